# One command of each kind. `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The settings default to production (DEBUG=0, SECRET_KEY required); the Makefile is the developer's
# door, so its commands run with DEBUG=1 and a random key kept in var/ (made on first use, never committed).
export DEBUG ?= 1

.PHONY: install run test lint format bench migrations-check

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

run: install
	$(PY) manage.py bootstrap --published --demo
	$(PY) manage.py ensure_admin
	$(PY) manage.py runserver $(HOST):$(PORT)

migrations-check: install
	$(PY) manage.py makemigrations --check --dry-run

test: install migrations-check
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache --no-logo

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	$(PY) -m bench
