# Difang: `make run` for a local site, `make test` for the full check (CI runs this).

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
# One stamp per requirements file: each reinstalls only when its file (or what it includes) changes.
STAMP := $(VENV)/.requirements-installed
DEV_STAMP := $(VENV)/.requirements-dev-installed
# Local commands run in debug mode unless DEBUG is set otherwise (no SECRET_KEY needed).
MANAGE := DEBUG=$${DEBUG:-1} $(PY) manage.py
PG_URL := postgres://postgres@127.0.0.1:5432/difang

.PHONY: venv dev-venv system-deps run test worker redis

# What runs the site and the import (requirements.txt).
venv: $(STAMP)

# The above plus tests and tooling (requirements-dev.txt includes requirements.txt).
dev-venv: $(DEV_STAMP)

# Reinstall only when the requirements file is newer than its stamp.
$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -r requirements.txt
	touch $@

$(DEV_STAMP): requirements-dev.txt requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -r requirements-dev.txt
	touch $@

# Debian packages for the browser tests (Chromium and a CJK font) and the import queue's
# broker (Redis); installed only when missing.
system-deps:
	@if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "noto.*cjk"; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk; \
	fi
	@if ! command -v redis-server >/dev/null; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq redis-server; \
	fi

# The import queue's broker at 127.0.0.1:6379, started when it is not answering.
redis:
	redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || \
		redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
	for i in $$(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.2; done

# One import worker (see README, "Importing on many machines"); WORKERS processes, default 2.
worker: venv redis
	DEBUG=$${DEBUG:-1} $(VENV)/bin/celery -A archive worker --loglevel=INFO \
		--concurrency=$${WORKERS:-2} --hostname=difang-$$$$@%h

run: venv
	$(MANAGE) migrate
	$(MANAGE) load_regions
	$(MANAGE) ensure_demo_admin
	if $(MANAGE) help import_raw >/dev/null 2>&1 && [ -d fixtures/raw ]; then \
		$(MANAGE) import_raw fixtures/raw; \
	fi
	$(MANAGE) runserver 127.0.0.1:8000

test: dev-venv system-deps redis
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run
	env -u DATABASE_URL $(PY) -m pytest
	pg_isready -q -h 127.0.0.1 -p 5432 || \
		pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
	DATABASE_URL=$(PG_URL) $(PY) -m pytest
