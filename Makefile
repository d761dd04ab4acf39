# airflow-dataduct: `make demo` runs the seed pipeline end to end, `make test` runs the tests.
# Both set up everything themselves: virtual environment, packages and database servers.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# `make demo SOURCE=mysql` reads the demo's source from MariaDB instead of PostgreSQL.
SOURCE ?= postgres

APT              := bash devstack/install_debian.sh
MARIADB_PACKAGES := mariadb-server mariadb-client libmariadb-dev pkg-config

.PHONY: install mariadb demo ui ui-stop test system-test docs lint stack-up stack-down clean

$(STAMP): setup.cfg pyproject.toml constraints.txt
	@# MariaDB server and client (MySQL sources), and the headers mysqlclient builds against.
	$(APT) --stop-service mariadb $(MARIADB_PACKAGES)
	@# Redis server: the Celery broker of the many-workers test (tests/integration).
	$(APT) --stop-service redis-server redis-server
	@# Debian's Chromium, driven by Playwright in the browser test (tests/browser).
	$(APT) --optional "the browser test is skipped" chromium
	@# Debian's Graphviz (`dot`): the SVG of `airflow-dataduct graph` and `database graph`.
	$(APT) --optional "SVG graphs are unavailable" graphviz
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	@# PostgreSQL: Debian's packages where installed, else the binaries of pgserver (PyPI).
	@$(BIN)/python -c "from devstack.postgres import system_bindir; raise SystemExit(system_bindir() is None)" \
		|| $(BIN)/pip install --quiet pgserver
	touch $(STAMP)

install: $(STAMP)

mariadb:
	$(APT) --stop-service mariadb $(MARIADB_PACKAGES)

demo: install
	DEMO_SOURCE=$(SOURCE) $(BIN)/python -m devstack.demo

# Airflow's web UI on the demo stack (api-server, scheduler, dag-processor, triggerer); prints
# the URL. Ctrl-C or `make ui-stop` stops it.
ui: install
	$(BIN)/python -m devstack.airflow_ui

ui-stop:
	$(BIN)/python -m devstack.airflow_ui stop

test: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	@# Not --quiet: it hides the warnings that --strict turns into a failure (mkdocs 1.6).
	$(BIN)/mkdocs build --strict --site-dir .local/site
	$(BIN)/python -m pytest

# Against real AWS (Redshift, S3, SNS), configured by DATADUCT_SYSTEM_* variables
# (docs/redshift.md); without them every system test is skipped with one reason.
system-test: install
	$(BIN)/python -m pytest tests/system -rs

# The documentation site (docs/, mkdocs.yml) into .local/site; warnings fail the build.
docs: install
	$(BIN)/mkdocs build --strict --site-dir .local/site

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check airflow_dataduct tests dags devstack benchmarks
	@# The layering (.importlinter); import cycles are refused by tests/unit/test_architecture.py.
	$(BIN)/lint-imports

stack-up: install
	$(BIN)/python -m devstack up

stack-down: install
	$(BIN)/python -m devstack down

clean: stack-down
	rm -rf .local
