# The README's commands: `make run` serves the service, `make test` runs the tests.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app wsgi

.PHONY: run test test-postgres bench install install-dev translations migrate clean

run: install translations .env
	$(FLASK) db upgrade
	$(PY) -m donations.devserver

test: install-dev translations
	$(PY) -m pytest $(PYTEST_ARGS)

# The same suite on PostgreSQL (CI runs it when a server answers).
test-postgres: install-dev translations
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} $(PY) -m pytest $(PYTEST_ARGS)

bench: install-dev translations
	@for script in landing webhooks receipts annual_batch; do echo "== bench/$$script.py"; PYTHONPATH=. $(PY) bench/$$script.py || exit 1; done

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Compiled catalogues are built, not committed.
translations: $(VENV)/.installed
	$(VENV)/bin/pybabel compile -d translations

# A development .env with a fresh random SECRET_KEY, made once.
.env:
	sed "s/^SECRET_KEY=.*/SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_hex(32))')/" .env.example > .env
	@echo "Created .env from .env.example (edit it to change the configuration)."

migrate: install
	$(FLASK) db upgrade

clean:
	rm -rf $(VENV) instance/*.sqlite translations/*/LC_MESSAGES/*.mo
