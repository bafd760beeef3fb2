# The project's commands. Each one creates .venv and installs what it needs on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

# Development runs with DEBUG on; tests and CI set their own values below.
RUN_ENV := DEBUG=true
TEST_ENV := DEBUG=false SECRET_KEY=test-only-not-secret SECURE_SSL_REDIRECT=false ALLOWED_HOSTS=testserver,localhost,127.0.0.1

.PHONY: run test e2e lint bench install messages check-messages clean serve loadtest

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Tasks run in the request (TASKS_BACKEND=immediate) and emails go to the console, so a new user
# who books a demo course sees the confirmation email, calendar file and manage link right here.
run: $(STAMP)
	$(RUN_ENV) $(BIN)/python manage.py migrate --no-input
	$(RUN_ENV) $(BIN)/python manage.py seed_demo
	$(RUN_ENV) TASKS_BACKEND=immediate $(BIN)/python manage.py runserver $(HOST):$(PORT)

# A production-like server on this machine (docs/deploy.md): gunicorn with WEB_CONCURRENCY sync
# workers (default CPU cores + 1: measured best here, with PostgreSQL and Redis on the same cores;
# see docs/deploy.md), WhiteNoise
# serving the hashed, compressed static files, DEBUG off, and the tasks worker alongside (it
# stops with the server). Uses DATABASE_URL and REDIS_URL like production; HTTPS redirect off
# because there is no TLS here.
WEB_CONCURRENCY ?= $(shell echo $$(( $$(nproc) + 1 )))
SERVE_ENV := DEBUG=false SECURE_SSL_REDIRECT=false SECRET_KEY=$${SECRET_KEY:-local-serve-only-not-secret} ALLOWED_HOSTS=$${ALLOWED_HOSTS:-127.0.0.1,localhost}
GUNICORN_CONFIG := $(if $(wildcard clinic/gunicorn.conf.py),-c clinic/gunicorn.conf.py)

serve: $(STAMP)
	$(SERVE_ENV) $(BIN)/python manage.py collectstatic --no-input --verbosity 0
	$(SERVE_ENV) $(BIN)/python manage.py migrate --no-input
	$(SERVE_ENV) sh -c 'if [ "$${TASKS_BACKEND:-database}" = rq ]; then \
	    $(BIN)/python manage.py rqworker --job-class django_tasks_rq.Job default & \
	  else $(BIN)/python manage.py db_worker --no-reload & fi; worker=$$!; \
	  trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	  $(BIN)/gunicorn clinic.wsgi $(GUNICORN_CONFIG) --workers $(WEB_CONCURRENCY) --bind $(HOST):$(PORT)'

# A bounded load (a small asyncio client, loopback only, stops by itself) against `make serve`
# on its own PostgreSQL database, which it drops and re-creates (its name must contain "load").
LOADTEST_PORT ?= 8090
LOADTEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/clinic_loadtest
LOADTEST_SECONDS ?= 8
# 2: two servers on two ports against the same PostgreSQL and Redis (the same-slot race and 200
# concurrent clients across both; pooled connections, tasks on Redis).
LOADTEST_SERVERS ?= 1

# The hashed static files first: the in-process middleware measurement renders pages as
# production does (a fresh clone has no staticfiles/ yet).
loadtest: $(STAMP)
	$(SERVE_ENV) $(BIN)/python manage.py collectstatic --no-input --verbosity 0
	$(BIN)/python -m benchmarks.loadtest --port $(LOADTEST_PORT) --database-url $(LOADTEST_DATABASE_URL) --seconds $(LOADTEST_SECONDS) --servers $(LOADTEST_SERVERS)

# The browser tests (tests/e2e, marked e2e) need Debian's Chromium; without it they are skipped.
CHROMIUM ?= /usr/bin/chromium
NO_CHROMIUM_NOTE := echo "NOTE: no Chromium at $(CHROMIUM), so the browser tests (tests/e2e) are skipped. Install it with: apt-get install -y chromium"

# One test process per core, at most 4 (TEST_WORKERS=0 runs them in this process).
TEST_WORKERS ?= auto

test: $(STAMP)
	@test -x $(CHROMIUM) || $(NO_CHROMIUM_NOTE)
	$(TEST_ENV) $(BIN)/pytest -n $(TEST_WORKERS) --maxprocesses=4 $(PYTEST_ARGS)
	@test -x $(CHROMIUM) || $(NO_CHROMIUM_NOTE)

# Only the browser journeys (E2E_SCREENSHOTS=1 also refreshes docs/screenshots/booking-*.png).
e2e: $(STAMP)
	@test -x $(CHROMIUM) || $(NO_CHROMIUM_NOTE)
	$(TEST_ENV) $(BIN)/pytest tests/e2e -m e2e $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(TEST_ENV) $(BIN)/python manage.py makemigrations --check --dry-run

bench: $(STAMP)
	$(TEST_ENV) $(BIN)/python -m benchmarks

# Regenerate and compile the interface translations (needs GNU gettext). The admin's base_site,
# sidebar and user links templates are Django's own copies (clinic/templatetags/admin_sidebar.py):
# Django's catalogue translates their strings.
MAKEMESSAGES_IGNORE := --ignore=.venv --ignore=staticfiles --ignore=benchmarks --ignore=tests \
  --ignore=templates/admin/includes/nav_sidebar.html \
  --ignore=templates/admin/includes/userlinks.html --ignore=templates/admin/base_site.html
messages: $(STAMP)
	$(RUN_ENV) $(BIN)/python manage.py makemessages --all --no-obsolete $(MAKEMESSAGES_IGNORE)
	$(RUN_ENV) $(BIN)/python manage.py compilemessages --ignore=.venv

# CI: regenerate the catalogues from the code; fail if a string is new, untranslated or fuzzy.
check-messages: $(STAMP)
	$(RUN_ENV) $(BIN)/python manage.py makemessages --all --no-obsolete $(MAKEMESSAGES_IGNORE)
	@for po in locale/*/LC_MESSAGES/django.po; do \
	  missing=$$(msgattrib --untranslated --no-obsolete "$$po"; msgattrib --only-fuzzy --no-obsolete "$$po"); \
	  if [ -n "$$missing" ]; then echo "$$po has untranslated or fuzzy strings:"; echo "$$missing"; exit 1; fi; \
	done
	@echo "Every interface string is translated."

clean:
	rm -rf $(VENV) staticfiles
