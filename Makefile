# Two commands a newcomer needs: `make run` (app on SQLite with demo data) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEV_ENV := DEBUG=True

.PHONY: run test install e2e-deps lint format bench mutation mutation-portal clean-db screenshots messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed e2e-deps

## axe-core for the accessibility browser tests: pinned in tests/e2e/package-lock.json, read
## from disk by the tests (nothing is downloaded at test time). Skipped when npm is missing.
E2E_AXE := tests/e2e/node_modules/axe-core/axe.min.js
e2e-deps: $(E2E_AXE)

$(E2E_AXE): tests/e2e/package.json tests/e2e/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix tests/e2e --no-fund --no-audit --silent && touch $@; \
	else echo "npm not found: the axe-core accessibility tests will be skipped"; fi

## Install, migrate, seed the S demo dataset (once) and serve on http://127.0.0.1:8000
run: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(BIN)/python manage.py seed_demo --size S --if-empty
	@# The background worker (invoice emails) runs beside the dev server and stops with it.
	$(DEV_ENV) $(BIN)/python manage.py db_worker --no-reload --interval 2 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

## Install and run the whole test suite (DATABASE_URL picks the database; SQLite by default),
## one pytest-xdist worker per core (TEST_WORKERS=0 runs it in one process)
TEST_WORKERS ?= auto
test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(DEV_ENV) $(BIN)/python manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Mutation testing of invoicing/services.py and the scoping base (niced; a few minutes)
mutation: install
	nice -n 10 $(BIN)/mutmut run --max-children 1 'invoicing.services.*' 'timetracker.scoping.*'
	$(BIN)/mutmut results

## Mutation testing of the portal (views, mixin, filters, CSV; niced, two workers; ~2 h: by file, docs/TESTING.md)
mutation-portal: install
	nice -n 10 $(BIN)/mutmut run --max-children 2 'portal.*'
	$(BIN)/mutmut results

## Every portal page at 1280 and 375 px and the main admin pages, into docs/screenshots/
screenshots: install
	SCREENSHOTS=1 $(BIN)/python -m pytest tests/e2e/test_screenshots.py -m screenshots -q

## Re-extract our strings into locale/{de,fr,nl} and compile them (commit both .po and .mo)
MESSAGE_IGNORES := --ignore=.venv --ignore=node_modules --ignore=bench --ignore=staticfiles --ignore=tests
messages: install
	$(DEV_ENV) $(BIN)/python manage.py makemessages -l de -l fr -l nl --no-location $(MESSAGE_IGNORES)
	$(DEV_ENV) $(BIN)/python manage.py compilemessages --ignore=.venv --ignore=node_modules

bench: install
	$(BIN)/python -m bench --size S --db sqlite

clean-db:
	rm -f db.sqlite3
