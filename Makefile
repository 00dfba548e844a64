# Taschengeldbörse: `make run` serves the demo on http://127.0.0.1:$(PORT), `make test` runs the
# suite. Both create the virtual environment in .venv on first use.

PORT ?= 8000
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
LOCKS := requirements/base.txt requirements/dev.txt
# Newer than both lock files once they are installed; a changed lock file reinstalls.
STAMP := $(VENV)/.installed
MANAGE := $(BIN)/python manage.py
# Extra pytest arguments, e.g. `make test PYTEST_ARGS="-n auto"` or `PYTEST_ARGS=--create-db`.
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help run install test lint worker beat lock messages bench

help:
	@echo "make run       install, migrate, load the demo and serve on http://127.0.0.1:$(PORT)"
	@echo "make test      run the test suite (PostgreSQL/Redis tests need DATABASE_URL/REDIS_URL)"
	@echo "make lint      ruff check"
	@echo "make worker    Celery worker (needs REDIS_URL)"
	@echo "make beat      Celery beat (needs REDIS_URL)"
	@echo "make lock      re-pin requirements/*.txt from requirements/*.in with hashes"
	@echo "make messages  update and compile the translations (needs GNU gettext)"
	@echo "make bench     matching engine, teen feed and notification pipeline benchmarks (PostgreSQL)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(LOCKS) | $(BIN)/python
	$(BIN)/python -m pip install --require-hashes -r requirements/base.txt -r requirements/dev.txt
	touch $@

install: $(STAMP)

run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) createcachetable
	$(MANAGE) seed_demo
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(MANAGE) runserver 127.0.0.1:$(PORT)

test: install
	DJANGO_ENV=test $(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

# Prints `name: number unit` lines (see bench/matching_bench.py and bench/feed_bench.py) for
# other scripts to read. The feed benchmark needs PostgreSQL: DATABASE_URL, else the database
# taschengeld_bench on 127.0.0.1:5432 (created and seeded on first use); without one it prints
# `feed_skipped: no PostgreSQL`. The notification pipeline benchmark (10,000 e-mails through a
# redis-server of its own, two worker processes and an SMTP server on loopback) uses the database
# taschengeld_notif_bench (NOTIFICATIONS_BENCH_DATABASE_URL) and prints `notifications_skipped: …`
# without PostgreSQL or redis-server.
bench: install
	$(BIN)/python bench/matching_bench.py
	$(BIN)/python bench/feed_bench.py
	$(BIN)/python bench/notifications_bench.py
	$(BIN)/python bench/today_bench.py
	$(BIN)/python bench/stats_bench.py

worker: install
	$(BIN)/celery -A config worker -l info

beat: install
	@mkdir -p var
	$(BIN)/celery -A config beat -l info --schedule var/celerybeat-schedule

# pip-tools lives in a throw-away environment so that it never enters the project's own lock.
# Existing pins are kept; `make lock LOCK_ARGS=--upgrade` moves everything to the newest release.
LOCK_ARGS ?=
lock:
	set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(PYTHON) -m venv "$$tmp"; \
	"$$tmp/bin/python" -m pip install --quiet pip-tools; \
	for name in base dev; do \
	  "$$tmp/bin/pip-compile" --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links $(LOCK_ARGS) \
	    --output-file=requirements/$$name.txt requirements/$$name.in; \
	done

messages: install
	$(MANAGE) makemessages -l en -l de --ignore=.venv --ignore=var
	$(MANAGE) compilemessages --ignore=.venv --ignore=var
