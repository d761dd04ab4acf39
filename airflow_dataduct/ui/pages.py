"""The HTML of the Data Quality pages, rendered on the server (Jinja2, autoescaped).

Plain HTML in Airflow's iframe, not a React bundle: no build step ships with the package.
Charts are inline SVG drawn here, one per check: bars are row counts, the line error rates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from airflow_dataduct.ui.results import CheckResult

CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 560, 120, 28

_LAYOUT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; font-size: 14px;
       margin: 16px; color: #1a202c; background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 20px 0 6px; }
p.where { color: #4a5568; margin: 0 0 12px; }
table { border-collapse: collapse; width: 100%; margin-bottom: 8px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid #e2e8f0;
         vertical-align: top; }
th { background: #f7fafc; font-weight: 600; }
td.num { font-variant-numeric: tabular-nums; text-align: right; white-space: nowrap; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-weight: 600;
         font-size: 12px; text-transform: uppercase; }
.pass { background: #c6f6d5; color: #22543d; } .warn { background: #fefcbf; color: #744210; }
.fail { background: #fed7d7; color: #822727; }
.message { padding: 12px 16px; border-radius: 6px; background: #fffaf0;
           border: 1px solid #fbd38d; }
code { font-family: ui-monospace, monospace; font-size: 13px; }
dl { display: grid; grid-template-columns: max-content auto; gap: 4px 16px; }
dt { color: #4a5568; } dd { margin: 0; }
svg text { font-size: 11px; fill: #4a5568; }
</style></head><body>
{% block body %}{% endblock %}
<script>
// Links to Airflow's pages open in the Airflow UI around this frame, not inside it.
document.addEventListener("click", function (event) {
  var link = event.target.closest("a[data-airflow]");
  if (!link || window.top === window) return;
  try {
    var target = new URL(link.href, window.location.href);
    window.top.history.pushState({}, "", target.pathname + target.search);
    window.top.dispatchEvent(new PopStateEvent("popstate"));
    event.preventDefault();
  } catch (error) { /* another origin: follow the link */ }
});
</script>
</body></html>
"""

_MACROS = """
{% macro badge(outcome) %}<span class="badge {{ outcome }}">{{ outcome }}</span>{% endmacro %}
{% macro numbers(result) %}{% for label, value in result.numbers %}{{ label }} <b>{{
  "{:,}".format(value) }}</b>{% if not loop.last %}, {% endif %}{% endfor %}{% endmacro %}
{% macro rate(result) %}{% if result.error_rate is not none %}{{
  "%.4f"|format(result.error_rate) }}%{% if result.tolerance is not none %} (tolerance {{
  result.tolerance }}%){% endif %}{% else %}-{% endif %}{% endmacro %}
{% macro links(result, base) %}{% set ids = result.airflow %}{% if ids.run_id %}<a data-airflow
  href="{{ base }}/dags/{{ ids.dag_id|u }}/runs/{{ ids.run_id|u }}">run</a> ·
  <a data-airflow href="{{ base }}/dags/{{ ids.dag_id|u }}/runs/{{ ids.run_id|u }}/tasks/{{
  ids.task_id|u }}{% if ids.try_number %}?try_number={{ ids.try_number }}{% endif %}">log</a>{%
  else %}-{% endif %}{% endmacro %}
{% macro message(text) %}<p class="message" role="alert">{{ text }}</p>{% endmacro %}
"""

_OVERVIEW = """{% extends "layout" %}{% import "macros" as m %}{% block body %}
<h1>Data Quality</h1>
<p class="where">Latest result of every QA check, from <code>{{ where }}</code>.</p>
{% if error %}{{ m.message(error) }}{% elif not results %}{{
  m.message("No QA result recorded yet.") }}{% else %}
<table id="latest"><thead><tr><th>result</th><th>pipeline</th><th>check</th><th>table</th>
<th>numbers</th><th>error rate</th><th>when (UTC)</th><th>Airflow</th></tr></thead><tbody>
{% for r in results %}<tr data-test="{{ r.test_name }}" data-outcome="{{ r.outcome }}">
<td>{{ m.badge(r.outcome) }}</td>
<td><a data-airflow href="{{ base }}/dags/{{ r.pipeline|u }}">{{ r.pipeline }}</a></td>
<td><code>{{ r.task_id }}</code><br><small>{{ r.check_type }}</small></td>
<td><code>{{ r.table or "-" }}</code></td><td>{{ m.numbers(r) }}</td>
<td class="num">{{ m.rate(r) }}</td><td>{{ r.recorded_at|when }}</td>
<td>{{ m.links(r, base) }}</td></tr>
{% endfor %}</tbody></table>{% endif %}
{% endblock %}"""

_PIPELINE = """{% extends "layout" %}{% import "macros" as m %}{% block body %}
<h1>Data Quality of {{ dag_id }}</h1>
<p class="where">Every recorded run of each check, oldest first, from <code>{{ where }}</code>.
Bars: rows; line: error rate.</p>
{% if error %}{{ m.message(error) }}{% elif not checks %}{{
  m.message("No QA result recorded for this pipeline yet.") }}{% endif %}
{% for name, runs in checks %}<section data-test="{{ name }}">
<h2><code>{{ runs[-1].task_id }}</code> · {{ runs[-1].check_type }} {{
  m.badge(runs[-1].outcome) }}</h2>
{{ chart(runs) }}
<table><thead><tr><th>when (UTC)</th><th>result</th><th>numbers</th><th>error rate</th>
<th>Airflow</th></tr></thead><tbody>
{% for r in runs|reverse %}<tr><td>{{ r.recorded_at|when }}</td><td>{{ m.badge(r.outcome) }}</td>
<td>{{ m.numbers(r) }}</td><td class="num">{{ m.rate(r) }}</td><td>{{ m.links(r, base) }}</td>
</tr>{% endfor %}</tbody></table></section>
{% endfor %}{% endblock %}"""

_TASK = """{% extends "layout" %}{% import "macros" as m %}{% block body %}
{% if error %}{{ m.message(error) }}{% elif not results %}{{ m.message(
  "No QA result recorded by " ~ task_id ~ " in this run: it is not a QA check, or it has not"
  ~ " finished.") }}{% endif %}
{% for r in results %}<section class="result" data-test="{{ r.test_name }}">
<h1>{{ m.badge(r.outcome) }} {{ r.test_name }}</h1>
<p>{{ r.details.summary or "" }}</p>
<dl><dt>check</dt><dd>{{ r.check_type }}</dd><dt>table</dt><dd><code>{{ r.table or "-"
}}</code></dd>
{% for label, value in r.numbers %}<dt>{{ label }}</dt><dd class="num" data-number="{{ label }}">{{
  "{:,}".format(value) }}</dd>{% endfor %}
<dt>error rate</dt><dd>{{ m.rate(r) }}</dd><dt>recorded (UTC)</dt><dd>{{ r.recorded_at|when }}</dd>
<dt>try</dt><dd>{{ r.airflow.try_number or "-" }}</dd></dl>
</section>{% endfor %}{% endblock %}"""

_ENV = jinja2.Environment(
    loader=jinja2.DictLoader(
        {
            "layout": _LAYOUT,
            "macros": _MACROS,
            "overview": _OVERVIEW,
            "pipeline": _PIPELINE,
            "task": _TASK,
        }
    ),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def when(value: dt.datetime | None) -> str:
    """A timestamp in UTC to the second."""
    if value is None:
        return "-"
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc)
    return value.strftime("%Y-%m-%d %H:%M:%S")


_ENV.filters["when"] = when
_ENV.filters["u"] = lambda value: quote(str(value), safe="")


def _bar_value(result: CheckResult) -> int | None:
    """The row count a check's bar shows: warehouse rows, else its first number."""
    if "destination_count" in result.details:
        return int(result.details["destination_count"])
    return result.numbers[0][1] if result.numbers else None


def chart(runs: Sequence[CheckResult]) -> Markup:
    """An inline SVG of one check over its runs: bars of rows, a line of error rates."""
    width, height, pad = CHART_WIDTH, CHART_HEIGHT, CHART_PAD
    inner_w, inner_h = width - 2 * pad, height - 2 * pad
    step = inner_w / max(len(runs), 1)
    counts = [_bar_value(r) for r in runs]
    top = max([c for c in counts if c is not None] or [0])
    scale = top or 1
    rates = [r.error_rate for r in runs]
    top_rate = max([x for x in rates if x] or [0.0]) or 1.0
    parts = [
        f'<svg class="chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>rows and error rate per run</title>',
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" '
        'stroke="#a0aec0"/>',
        f'<text x="{pad}" y="{pad - 10}">rows (max {top:,})</text>',
        f'<text x="{width - pad}" y="{pad - 10}" text-anchor="end" fill="#c53030">'
        f"error rate (max {top_rate:.4g}%)</text>",
    ]
    for i, (run, count) in enumerate(zip(runs, counts, strict=True)):
        colour = {"pass": "#68d391", "warn": "#f6e05e"}.get(run.outcome, "#fc8181")
        bar_h = max(inner_h * (count or 0) / scale, 2.0)  # a zero still shows the run
        x = pad + i * step + step * 0.15
        parts.append(
            f'<rect x="{x:.1f}" y="{height - pad - bar_h:.1f}" width="{step * 0.7:.1f}" '
            f'height="{bar_h:.1f}" fill="{colour}"><title>{when(run.recorded_at)}: '
            f"{count if count is not None else '-'} rows, {run.outcome}</title></rect>"
        )
    points = [
        f"{pad + (i + 0.5) * step:.1f},{height - pad - inner_h * rate / top_rate:.1f}"
        for i, rate in enumerate(rates)
        if rate is not None
    ]
    if points:
        parts.append(
            f'<polyline points="{" ".join(points)}" fill="none" stroke="#c53030" stroke-width="2"/>'
        )
        parts += [
            f'<circle cx="{p.split(",")[0]}" cy="{p.split(",")[1]}" r="3" fill="#c53030"/>'
            for p in points
        ]
    parts.append("</svg>")
    return Markup("".join(parts))  # built from numbers and formatted dates only


def by_check(results: Iterable[CheckResult]) -> list[tuple[str, list[CheckResult]]]:
    """Results grouped by test name, in the order of their first run."""
    groups: dict[str, list[CheckResult]] = {}
    for result in results:
        groups.setdefault(result.test_name, []).append(result)
    return list(groups.items())


def overview_page(
    results: Sequence[CheckResult], base: str, where: str, error: str | None = None
) -> str:
    """The navigation page: each check's latest result across pipelines."""
    return _ENV.get_template("overview").render(
        title="Data Quality", results=results, base=base, where=where, error=error
    )


def pipeline_page(
    dag_id: str, results: Sequence[CheckResult], base: str, where: str, error: str | None = None
) -> str:
    """The DAG tab: each of the pipeline's checks over its runs."""
    return _ENV.get_template("pipeline").render(
        title=f"Data Quality of {dag_id}",
        dag_id=dag_id,
        checks=by_check(results),
        chart=chart,
        base=base,
        where=where,
        error=error,
    )


def task_page(task_id: str, results: Sequence[CheckResult], error: str | None = None) -> str:
    """The task instance tab: what the check recorded in this run."""
    return _ENV.get_template("task").render(
        title=f"Data Quality of {task_id}", task_id=task_id, results=results, error=error
    )
