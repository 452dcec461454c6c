# make run   — set up everything on a fresh machine and serve http://127.0.0.1:5000
# make test  — install and run the whole suite (SQLite; then PostgreSQL + Redis when
#              IDP_TEST_DATABASE_URL / IDP_TEST_REDIS_URL are set, as .ci/run sets them)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 5000
IDP_ISSUER ?= http://127.0.0.1:$(PORT)
export PORT IDP_ISSUER

.PHONY: install run serve test test-sqlite test-postgres bench lint translations clean interop

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) idp/translations/ar/LC_MESSAGES/messages.mo

idp/translations/ar/LC_MESSAGES/messages.mo: idp/translations/ar/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d idp/translations -D messages >/dev/null

run: install
	$(BIN)/idp init
	$(BIN)/idp demo
	$(BIN)/idp run --port $(PORT)

serve: install
	$(BIN)/idp init
	$(BIN)/gunicorn -c deploy/gunicorn.conf.py wsgi:app

test: install
	$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$IDP_TEST_DATABASE_URL" ]; then $(MAKE) --no-print-directory test-postgres; \
	else echo "IDP_TEST_DATABASE_URL not set: PostgreSQL + Redis run skipped (.ci/run sets it)"; fi

test-sqlite: install
	env -u IDP_TEST_DATABASE_URL -u IDP_TEST_REDIS_URL $(BIN)/pytest -q $(PYTEST_ARGS)

test-postgres: install
	$(BIN)/pytest -q -m "not browser" $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/run.py

lint: install
	$(BIN)/ruff check idp tests bench

translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -o idp/translations/messages.pot .
	$(BIN)/pybabel update -i idp/translations/messages.pot -d idp/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) instance test-artifacts .pytest_cache

# make interop — panva's certified openid-client (interop/) against a throwaway provider
interop: install
	if [ -f interop/package-lock.json ]; then npm ci --prefix interop --no-audit --no-fund; \
	else npm install --prefix interop --no-audit --no-fund; fi
	sh interop/run.sh
