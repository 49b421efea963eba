# Guichet: `make demo` serves a demo portal, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# In the demo no e-mail leaves the machine: they are read in the « boîte de démonstration ».
DEMO_ENV := DEBUG=1 GUICHET_DEMO=1 GUICHET_SITE_URL=http://127.0.0.1:$(PORT) \
	EMAIL_BACKEND=django.core.mail.backends.dummy.EmailBackend

.PHONY: demo demo-data test lint messages openapi install clean

$(BIN)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Guichet needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	touch $@

install: $(BIN)/.installed

# The demo's database (SQLite) with its data; no file in the checkout sets the mode, so other
# manage.py commands typed by hand need DEBUG=1 in front (production is the default).
demo-data: install
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput -v0
	$(DEMO_ENV) $(BIN)/python manage.py load_demo

demo: demo-data
	@echo "Guichet tourne sur http://127.0.0.1:$(PORT)/ (Ctrl+C pour arrêter)."
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/lint-imports --no-cache

# The translation catalogues (locale/<language>/LC_MESSAGES): every marked string of the Python
# code, templates and JavaScript, then compiled. CI checks it leaves nothing to commit.
MESSAGES_IGNORE := --ignore=staticfiles --ignore=media --ignore=bench --ignore=docs
messages: install
	DEBUG=1 $(BIN)/python manage.py makemessages --all --no-location --no-obsolete $(MESSAGES_IGNORE) -v0
	DEBUG=1 $(BIN)/python manage.py makemessages --all --no-location --no-obsolete $(MESSAGES_IGNORE) -d djangojs -v0
	for po in locale/*/LC_MESSAGES/*.po; do msgfmt --check -o "$${po%.po}.mo" "$$po" || exit 1; done

# The API's OpenAPI description, generated from the code; a test fails when it is stale.
openapi: install
	DEBUG=1 $(BIN)/python manage.py api_openapi --output docs/api/openapi.json

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
