"""README.md is a short front page and the docs site's links hold: every relative link of
README.md and docs/*.md names an existing file, and every #anchor a heading of its page."""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
README_MAX_LINES = 250

FENCE = re.compile(r"^\s*(```|~~~)")
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|^//")


def markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def prose_lines(path: Path) -> list[tuple[int, str]]:
    """The lines outside fenced code blocks, numbered from 1, with inline code removed."""
    lines, in_fence = [], False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        if not in_fence:
            lines.append((number, INLINE_CODE.sub("", line)))
    return lines


def slugify(text: str) -> str:
    """A heading's id as MkDocs (Python-Markdown's toc) makes it, after inline markup."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text).replace("`", "").replace("*", "")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


@functools.cache
def anchors(path: Path) -> set[str]:
    """The ids of a page's headings, the second of two equal ones suffixed ``_1``."""
    found: set[str] = set()
    for _, line in _heading_lines(path):
        slug = base = slugify(line)
        n = 0
        while slug in found:
            n += 1
            slug = f"{base}_{n}"
        found.add(slug)
    return found


def _heading_lines(path: Path) -> list[tuple[int, str]]:
    lines, in_fence = [], False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and (match := HEADING.match(line)):
            lines.append((number, match.group(2)))
    return lines


def broken_links(paths: list[Path], root: Path = ROOT) -> list[str]:
    """``file:line: target (why)`` for every relative link that does not resolve."""
    broken = []
    for path in paths:
        for number, line in prose_lines(path):
            for target in LINK.findall(line):
                if SCHEME.match(target):
                    continue
                where = f"{path.relative_to(root)}:{number}: {target}"
                file_part, _, anchor = target.partition("#")
                resolved = (path.parent / file_part).resolve() if file_part else path
                if not resolved.exists():
                    broken.append(f"{where} (no such file)")
                elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
                    broken.append(f"{where} (no heading #{anchor} in {resolved.name})")
    return broken


def nav_pages(nav: list) -> list[str]:
    pages = []
    for entry in nav:
        for value in entry.values() if isinstance(entry, dict) else [entry]:
            pages.extend(nav_pages(value) if isinstance(value, list) else [value])
    return pages


def test_readme_is_a_front_page_of_at_most_250_lines() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, (
        f"README.md has {len(lines)} lines; keep it a front page of at most "
        f"{README_MAX_LINES} and move reference material into docs/"
    )


def test_every_relative_link_in_readme_and_docs_resolves_to_a_file_and_heading() -> None:
    broken = broken_links(markdown_files())
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_the_link_check_reports_a_missing_file_and_a_missing_heading(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Real heading\n\n"
        "[ok](#real-heading) [file](gone.md) [anchor](page.md#not-a-heading)\n"
        "`[in code](gone.md)`\n\n```\n[fenced](gone.md)\n```\n",
        encoding="utf-8",
    )
    assert broken_links([page], root=tmp_path) == [
        "page.md:3: gone.md (no such file)",
        "page.md:3: page.md#not-a-heading (no heading #not-a-heading in page.md)",
    ]


def test_headings_get_the_ids_mkdocs_gives_them() -> None:
    assert slugify("Schedules, catch-up and backfill") == "schedules-catch-up-and-backfill"
    assert slugify("`dag_definitions/dataduct.yaml`") == "dag_definitionsdataductyaml"
    assert slugify("`extract-rds`") == "extract-rds"


def test_every_docs_page_is_in_the_mkdocs_nav_and_every_nav_page_exists() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["docs_dir"] == "docs" and config["strict"] is True
    in_nav = set(nav_pages(config["nav"]))
    on_disk = {p.name for p in DOCS.glob("*.md")}
    assert in_nav == on_disk, (
        f"pages missing from the nav: {sorted(on_disk - in_nav)}; "
        f"nav entries without a page: {sorted(in_nav - on_disk)}"
    )
