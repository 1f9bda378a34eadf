# thidua — set-up, run and test. On a fresh Debian machine with only python3:
#   make run    the demo at http://127.0.0.1:5000 (clock frozen at THIDUA_NOW)
#   make test   ruff, then the whole pytest suite on SQLite, then on PostgreSQL if one answers
# See README.md and docs/operations.md.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
# The demo plan is Khối 8's 2021 plan: freeze the clock inside it (overridable).
THIDUA_NOW ?= 2021-06-10T09:00:00+07:00
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# pytest-xdist workers (auto: one per CPU); each has its own databases (tests/conftest.py).
# PYTEST_WORKERS=0 runs the tests in the pytest process itself.
PYTEST_WORKERS ?= auto
PYTEST_ARGS ?= -q -rfEs -n $(PYTEST_WORKERS) --dist worksteal
# apt-get needs root; use sudo when not root.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
APT := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get

DEPS_STAMP := $(VENV)/.thidua-deps
TEST_STAMP := $(VENV)/.thidua-test-deps

.PHONY: help run test lint bench translations translations-update translations-check deps test-deps system-deps db demo demo-reset lock clean

help:
	@echo "make run          create .venv, install, migrate, load the demo, serve http://$(HOST):$(PORT)"
	@echo "                  (THIDUA_NOW=$(THIDUA_NOW); override: make run THIDUA_NOW=2022-02-20T09:00:00+07:00)"
	@echo "make demo-reset   delete the demo's SQLite database and build it again, played up to THIDUA_NOW"
	@echo "make test         ruff + pytest on SQLite, then on PostgreSQL when one answers on 127.0.0.1:5432"
	@echo "make lint         ruff check ."
	@echo "make translations compile core/translations/*/LC_MESSAGES/*.po"
	@echo "make translations-update / translations-check   extract + update the catalogs / check they are current"
	@echo "make bench        run bench/*.py"
	@echo "make lock         rebuild requirements.txt in a throw-away venv"

# --- the virtualenv -------------------------------------------------------------------

$(BIN)/python:
	@if ! $(PYTHON) -m venv $(VENV); then \
	  echo "'$(PYTHON) -m venv' failed: installing Debian's python3-venv"; \
	  rm -rf $(VENV); $(APT) update; $(APT) install -y python3-venv; \
	  $(PYTHON) -m venv $(VENV); \
	fi

# The installer: uv (one wheel from PyPI, put into the venv by its pip) installs the lock in
# seconds where pip takes minutes. When uv cannot be had, or fails (for example behind a
# package index that only pip is configured for), pip installs the same arguments.
# `make INSTALLER=pip …` uses pip alone. Both compile the installed modules to bytecode (else
# every process started with PYTHONDONTWRITEBYTECODE set compiles its imports again).
INSTALLER ?= uv
UV_VERSION ?= 0.13.9
UV := $(BIN)/uv
PIP := $(BIN)/python -m pip --disable-pip-version-check
define install
@if [ "$(INSTALLER)" = uv ] && [ ! -x $(UV) ]; then \
  $(PIP) install -q --timeout 30 'uv==$(UV_VERSION)' \
    || echo "uv $(UV_VERSION) could not be installed: pip installs instead (slower)"; \
fi
@if [ "$(INSTALLER)" = uv ] && [ -x $(UV) ]; then \
  echo "uv pip install $(1)"; \
  $(UV) pip install --python $(BIN)/python --compile-bytecode -q $(1) \
    || { echo "uv failed: pip install $(1)"; $(PIP) install -q $(1); }; \
else \
  echo "pip install $(1)"; $(PIP) install -q $(1); \
fi
endef

# The project itself (editable) with its runtime requirements at the lock's versions (the
# lock as constraints: the test tools wait for $(TEST_STAMP)); a dependency added to setup.cfg
# but not yet locked is still installed. Then, for the checks, the whole lock and the extras.
$(DEPS_STAMP): requirements.txt setup.cfg | $(BIN)/python
	$(call install,-e . -c requirements.txt)
	@touch $@

$(TEST_STAMP): $(DEPS_STAMP)
	$(call install,-r requirements.txt -e '.[test]')
	@touch $@

# axe-core (accessibility rules) for the browser tests, fetched with npm (the registry's own
# client, which checks the package's integrity) and kept out of the repository: its minified
# script and its licence, under tests/support/vendor/ (ignored by git).
AXE_VERSION := 4.14.1
AXE_DIR := tests/support/vendor/axe-core
AXE_JS := $(AXE_DIR)/axe.min.js

$(AXE_JS):
	@command -v npm >/dev/null 2>&1 || { echo "npm is missing: make system-deps installs it"; exit 1; }
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	(cd "$$tmp" && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null); \
	mkdir -p $(AXE_DIR); \
	tar -xzf "$$tmp/axe-core-$(AXE_VERSION).tgz" -C $(AXE_DIR) --strip-components=1 \
	  package/axe.min.js package/LICENSE package/package.json; \
	touch $@; echo "fetched axe-core $(AXE_VERSION) into $(AXE_DIR)"

deps: $(DEPS_STAMP)
test-deps: $(TEST_STAMP) $(AXE_JS)

# Chromium for the browser tests, pdftotext for the PDF tests, SoftHSM2 for the PKCS#11
# signing test, npm to fetch axe-core (Debian packages).
system-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium fonts-liberation fonts-dejavu-core"; \
	command -v pdftotext >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	command -v softhsm2-util >/dev/null 2>&1 || missing="$$missing softhsm2"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  echo "installing with apt-get:$$missing"; \
	  $(APT) update; \
	  $(APT) install -y $$missing; \
	fi

# --- translations ---------------------------------------------------------------------

translations: $(DEPS_STAMP)
	@if compgen -G "core/translations/*/LC_MESSAGES/*.po" >/dev/null; then \
	  $(BIN)/pybabel compile -d core/translations; \
	else \
	  echo "no core/translations/*/LC_MESSAGES/*.po: nothing to compile"; \
	fi

# Thin wrappers around core/translations/manage.py (extract + update, or check that no
# msgid is stale or untranslated).
translations-update translations-check: $(DEPS_STAMP)
	@test -f core/translations/manage.py || { echo "core/translations/manage.py is missing"; exit 1; }
	$(BIN)/python -m core.translations.manage $(patsubst translations-%,%,$@)

# --- run ------------------------------------------------------------------------------

# The app refuses to start without a secret key (THIDUA_SECRET_KEY or this file): a random
# one is written once, readable by its owner only, and kept across runs.
SECRET_KEY_FILE := instance/secret_key

$(SECRET_KEY_FILE):
	@mkdir -p $(dir $@)
	@umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_hex(32))' > $@.tmp
	@chmod 600 $@.tmp && mv $@.tmp $@
	@echo "wrote a new secret key to $@"

db: $(DEPS_STAMP) | $(SECRET_KEY_FILE)
	$(FLASK) db upgrade

# The demo, its year played through the services up to THIDUA_NOW (run again at a later
# THIDUA_NOW, it plays on; to go back in time, reset it).
demo: db
	THIDUA_NOW="$(THIDUA_NOW)" $(FLASK) demo --until "$(THIDUA_NOW)"

# Start the demo again from nothing (under instance/: the SQLite database, the attachments and
# the audit anchor, which names the old database's events; the secret key is kept), then build
# it and play it up to THIDUA_NOW.
demo-reset: $(DEPS_STAMP)
	@if [ -n "$${DATABASE_URL:-}" ]; then echo "DATABASE_URL is set: reset that database yourself"; exit 1; fi
	rm -f instance/thidua.sqlite instance/audit-anchor.json instance/audit-anchor.lock
	rm -rf instance/attachments
	$(MAKE) demo

run: translations demo
	THIDUA_NOW="$(THIDUA_NOW)" $(FLASK) run --host $(HOST) --port $(PORT)

# --- checks ---------------------------------------------------------------------------

lint: $(TEST_STAMP)
	$(BIN)/ruff check .

# pytest's own exit code is kept: 5 (no test collected) fails the target like any other.
# The SQLite run blanks THIDUA_TEST_DATABASE_URL; the PostgreSQL run uses it when it is
# set, else PG_TEST_URL when a server answers on 127.0.0.1:5432.
test: system-deps test-deps translations
	$(BIN)/ruff check .
	@echo "== pytest on SQLite =="
	THIDUA_TEST_DATABASE_URL= $(BIN)/pytest $(PYTEST_ARGS)
	@url="$${THIDUA_TEST_DATABASE_URL:-}"; \
	if [ -z "$$url" ] && $(BIN)/python -c 'import socket; socket.create_connection(("127.0.0.1", 5432), 2).close()' 2>/dev/null; then \
	  url="$(PG_TEST_URL)"; \
	fi; \
	if [ -n "$$url" ]; then \
	  echo "== pytest on PostgreSQL ($$url) =="; \
	  THIDUA_TEST_DATABASE_URL="$$url" $(BIN)/pytest $(PYTEST_ARGS) --output=test-results/postgresql; \
	else \
	  echo "== no PostgreSQL: THIDUA_TEST_DATABASE_URL unset and nothing on 127.0.0.1:5432 =="; \
	fi

bench: $(TEST_STAMP)
	@ran=0; for script in bench/*.py; do \
	  [ -e "$$script" ] || continue; \
	  echo "== $$script =="; $(BIN)/python "$$script"; ran=1; \
	done; \
	[ "$$ran" = 1 ] || echo "no bench/*.py"

# --- maintenance ----------------------------------------------------------------------

# Rebuild the lock from setup.cfg (runtime + test extras) in a throw-away venv.
lock:
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(PYTHON) -m venv "$$tmp/venv"; \
	"$$tmp/venv/bin/python" -m pip install --disable-pip-version-check -q -e '.[test]'; \
	{ echo "# Lock of thidua's runtime and test dependencies (Python $$("$$tmp/venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])'))."; \
	  echo "# Regenerate with: make lock   (pip freeze of a fresh venv with -e '.[test]')"; \
	  "$$tmp/venv/bin/python" -m pip freeze --exclude-editable --exclude thidua; } > requirements.txt
	@echo "requirements.txt: $$(grep -vc '^#' requirements.txt) packages"

clean:
	rm -rf $(VENV) test-results .pytest_cache .ruff_cache thidua.egg-info tests/support/vendor
