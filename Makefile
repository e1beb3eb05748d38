# The README's commands: `make run` serves the service, `make test` runs the tests.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app wsgi

.PHONY: run test test-fast test-postgres lint format bench audit lock install install-dev translations migrate clean receipt-signing

run: install translations .env receipt-signing
	$(FLASK) db upgrade
	$(PY) -m donations.devserver

# The suite runs in TEST_WORKERS pytest-xdist processes (a PostgreSQL database each: `test_gw0`, …),
# a test file to a process; then the tests marked `serial` (they stop a server the others share) run alone.
# `make test TEST_WORKERS=0` runs everything in one process.
TEST_WORKERS ?= 2
# $(1): the markers to select, besides serial/not serial. Exit status 5 (nothing selected) is no failure.
run_suite = $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not serial$(1)" $(PYTEST_ARGS) \
	&& { $(PY) -m pytest -m "serial$(1)" $(PYTEST_ARGS); status=$$?; [ $$status -eq 0 ] || [ $$status -eq 5 ]; }

test: install-dev translations
	$(call run_suite,)

# ruff (lint, then the format check) and mypy; `make format` rewrites the files ruff would.
lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# For quick local runs: everything but the slow load and crash tests (marked `slow`).
test-fast: install-dev translations
	$(call run_suite, and not slow)

# The same suite on PostgreSQL (CI runs it when a server answers).
test-postgres: install-dev translations
	export TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}; $(call run_suite,)

# The benchmarks, then the load and fault tests of tests/load in full. Those that need
# PostgreSQL (and Redis, for the Celery workers) run when they answer on 127.0.0.1 (Redis: TEST_REDIS_URL).
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# The January bench's recaps issued, drawn and emailed (`make bench JANUARY_COUNT=100000` for the full January).
JANUARY_COUNT ?= 10000
# The reconcile bench's events (the target is for 100 000, about 15 minutes on 2 cores; `make bench RECONCILE_COUNT=10000` is quicker).
RECONCILE_COUNT ?= 100000
answers = $(PY) -c "import socket, sys; socket.create_connection(('127.0.0.1', $(1)), 1)" 2>/dev/null
# Redis where TEST_REDIS_URL says (default redis://127.0.0.1:6379; tests/support/redis_databases.py).
redis_answers = PYTHONPATH=. $(PY) -c "import sys; from tests.support.redis_databases import redis_answers; sys.exit(not redis_answers())" 2>/dev/null

bench: install-dev translations
	@for script in landing webhooks receipts receipts_zip annual_batch; do echo "== bench/$$script.py"; PYTHONPATH=. $(PY) bench/$$script.py || exit 1; done
	@echo "== bench/reconcile.py --count $(RECONCILE_COUNT)"; PYTHONPATH=. $(PY) bench/reconcile.py --count $(RECONCILE_COUNT) || exit 1
	@echo "== bench/webhooks.py --receipt"; PYTHONPATH=. $(PY) bench/webhooks.py --receipt || exit 1
	@if $(call answers,5432) && $(redis_answers); then \
	  echo "== bench/annual_batch_workers.py"; TEST_DATABASE_URL=$(PG_URL) PYTHONPATH=. $(PY) bench/annual_batch_workers.py || exit 1; \
	else echo "!! PostgreSQL or Redis does not answer: bench/annual_batch_workers.py SKIPPED"; fi
	@if $(call answers,5432) && $(redis_answers); then \
	  echo "== bench/january.py --count $(JANUARY_COUNT)"; TEST_DATABASE_URL=$(PG_URL) PYTHONPATH=. $(PY) bench/january.py --count $(JANUARY_COUNT) || exit 1; \
	else echo "!! PostgreSQL or Redis does not answer: bench/january.py SKIPPED"; fi
	@if $(call answers,5432); then \
	  echo "== bench/webhooks.py --postgres"; TEST_DATABASE_URL=$(PG_URL) PYTHONPATH=. $(PY) bench/webhooks.py --postgres || exit 1; \
	  echo "== bench/webhooks.py --postgres --receipt"; TEST_DATABASE_URL=$(PG_URL) PYTHONPATH=. $(PY) bench/webhooks.py --postgres --receipt || exit 1; \
	  echo "== bench/finance_pages.py"; TEST_DATABASE_URL=$(PG_URL) PYTHONPATH=. $(PY) bench/finance_pages.py || exit 1; \
	  echo "== bench/webhook_load.py (tests/load/test_webhook_load.py in full)"; TEST_DATABASE_URL=$(PG_URL) PYTHONPATH=. $(PY) bench/webhook_load.py || exit 1; \
	  echo "== the fault tests of tests/load on PostgreSQL"; TEST_DATABASE_URL=$(PG_URL) $(PY) -m pytest tests/load -q -rs --deselect tests/load/test_webhook_load.py || exit 1; \
	else echo "!! PostgreSQL does not answer: the PostgreSQL webhook benches and fault tests SKIPPED"; fi

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip -c requirements-lock.txt

# requirements-lock.txt pins the whole tree, transitive dependencies included.
$(VENV)/.installed: requirements.txt requirements-lock.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt -c requirements-lock.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt requirements-lock.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt -c requirements-lock.txt
	touch $(VENV)/.installed $@

# Known vulnerabilities in the pinned tree (needs PyPI's JSON API or OSV; also run by
# tests/security/test_dependencies.py, which skips loudly when neither answers).
audit: install-dev
	$(VENV)/bin/pip-audit --requirement requirements-lock.txt --no-deps --disable-pip --strict --progress-spinner off

# After changing requirements*.txt: resolve them afresh in a throwaway virtualenv and pin
# everything it installed.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet -r requirements-dev.txt
	{ sed -n '1,3p' requirements-lock.txt; .lock-venv/bin/python -m pip freeze --all --exclude-editable | grep -v '^setuptools==' | LC_ALL=C sort -f; } > requirements-lock.new
	mv requirements-lock.new requirements-lock.txt && rm -rf .lock-venv

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Compiled catalogues are built, not committed.
translations: $(VENV)/.installed
	$(VENV)/bin/pybabel compile -d translations

# A development .env with a fresh random SECRET_KEY, made once.
.env:
	sed "s/^SECRET_KEY=.*/SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_hex(32))')/" .env.example > .env
	@echo "Created .env from .env.example (edit it to change the configuration)."

# A self-signed development certificate that signs receipts (PAdES), made once; .env points at
# it unless it names a certificate already. Production sets the foundation's own.
SIGNING_DIR := instance/receipt-signing

$(SIGNING_DIR)/cert.pem:
	$(PY) -m receipts.self_signed $(SIGNING_DIR)

receipt-signing: .env $(SIGNING_DIR)/cert.pem
	@grep -Eq '^RECEIPT_SIGNING_(CERT|PKCS12)_FILE=.' .env || { \
	  sed -i '/^RECEIPT_SIGNING_\(KEY\|CERT\)_FILE=/d' .env; \
	  printf 'RECEIPT_SIGNING_KEY_FILE=%s\nRECEIPT_SIGNING_CERT_FILE=%s\n' "$(CURDIR)/$(SIGNING_DIR)/key.pem" "$(CURDIR)/$(SIGNING_DIR)/cert.pem" >> .env; \
	  echo "Receipts are signed with the development certificate in $(SIGNING_DIR) (set in .env)."; }

migrate: install
	$(FLASK) db upgrade

clean:
	rm -rf $(VENV) instance/*.sqlite translations/*/LC_MESSAGES/*.mo
