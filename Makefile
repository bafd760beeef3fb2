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

.PHONY: run test lint bench install messages check-messages clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(RUN_ENV) $(BIN)/python manage.py migrate --no-input
	$(RUN_ENV) $(BIN)/python manage.py seed_demo
	$(RUN_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(STAMP)
	$(TEST_ENV) $(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(TEST_ENV) $(BIN)/python manage.py makemigrations --check --dry-run

bench: $(STAMP)
	$(TEST_ENV) $(BIN)/python -m benchmarks

# Regenerate and compile the interface translations (needs GNU gettext).
messages: $(STAMP)
	$(RUN_ENV) $(BIN)/python manage.py makemessages --all --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=benchmarks --ignore=tests
	$(RUN_ENV) $(BIN)/python manage.py compilemessages --ignore=.venv

# CI: regenerate the catalogues from the code; fail if a string is new, untranslated or fuzzy.
check-messages: $(STAMP)
	$(RUN_ENV) $(BIN)/python manage.py makemessages --all --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=benchmarks --ignore=tests
	@for po in locale/*/LC_MESSAGES/django.po; do \
	  missing=$$(msgattrib --untranslated --no-obsolete "$$po"; msgattrib --only-fuzzy --no-obsolete "$$po"); \
	  if [ -n "$$missing" ]; then echo "$$po has untranslated or fuzzy strings:"; echo "$$missing"; exit 1; fi; \
	done
	@echo "Every interface string is translated."

clean:
	rm -rf $(VENV) staticfiles
