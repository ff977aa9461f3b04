# Two commands on a fresh machine: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
export PARTICIPATION_INSTANCE ?= $(CURDIR)/instance

.PHONY: run test setup prerequisites lint typecheck translations extract bench clean

run: setup
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	@echo "Staff sign in at http://127.0.0.1:$${PORT:-5000}/login as admin@example.org"
	@echo "(password: printed above at the first run, or set one: $(FLASK) create-admin admin@example.org)"
	$(BIN)/python wsgi.py

# The whole gate: lint, formatting, types, then every test, on two workers. The PostgreSQL and
# Redis on 127.0.0.1 are used when they answer (scripts/test-services); pytest lists what it
# skipped and why.
test: prerequisites setup lint typecheck
	eval "$$(scripts/test-services)" && $(BIN)/python -m pytest -n 2

# Chromium, Pango, fonts and nginx: installed when running as root, else the command to run.
prerequisites:
	@scripts/prerequisites

setup: $(VENV)/.installed static/vendor/socket.io.min.js static/vendor/noble.js static/vendor/qrcode.mjs translations

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --silent

static/vendor/socket.io.min.js: node_modules/.package-lock.json
	mkdir -p static/vendor
	cp node_modules/socket.io-client/dist/socket.io.min.js static/vendor/

# QR codes for the trustees' printed backups, as an ES module.
static/vendor/qrcode.mjs: node_modules/.package-lock.json
	mkdir -p static/vendor
	cp node_modules/qrcode-generator/dist/qrcode.mjs $@

# The noble elliptic-curve and hash libraries as one ES module for static/js/ballot_crypto.js.
static/vendor/noble.js: node_modules/.package-lock.json scripts/noble.entry.js
	mkdir -p static/vendor
	node_modules/.bin/esbuild scripts/noble.entry.js --bundle --format=esm --minify \
		--log-level=warning --outfile=$@

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d participation/translations

# After changing user-visible texts: `make extract` collects them into messages.pot, brings
# every catalogue participation/translations/<lang>/LC_MESSAGES/messages.po up to date, gives
# English entries their msgid, and lists (and fails on) what is untranslated or fuzzy there.
# Translate that in the .po files with any PO editor, then `make translations` compiles them.
# A new text starts empty, never with a fuzzy guess (-N); fuzzy entries are never compiled.
# Without dates and line numbers the files change only when the texts do.
extract: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --add-location=file \
		--header-comment="# The interface texts of participation, written by make extract." \
		-o participation/translations/messages.pot .
	sed -i.orig '/^"POT-Creation-Date: /d' participation/translations/messages.pot
	rm participation/translations/messages.pot.orig
	$(BIN)/pybabel -q update -N --ignore-obsolete --ignore-pot-creation-date \
		-i participation/translations/messages.pot -d participation/translations
	$(BIN)/python -m participation.translations.check --fill-english

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

# A hall of 1,000 delegates and 1,000 observers, three rounds, ours beside the bare stack
# (bench/hall.py; about 6 minutes), then how the ratios grow from 250 to 2,000 delegates on
# eventlet and gevent (about 10 minutes) and on to 4,000 on eventlet, where the burst's p99
# passes a second (about 7 minutes), the hall with encrypted ballots (about 9 minutes), then
# on PostgreSQL with one process and with two behind nginx sharing Redis, when both answer on
# 127.0.0.1 (about 15 minutes). First, whether more client threads would shorten the bare
# stack's broadcast (bench/fanout.py; a minute).
# Figures in bench/results/*.json, charts beside them.
bench: setup
	$(BIN)/python -m bench.fanout --clients 2001 --workers 1,2,3
	$(BIN)/python -m bench.hall --rounds 3 --out bench/results/hall.json
	$(BIN)/python -m bench.hall --sizes 250,500,1000,2000 --async-mode eventlet,gevent \
		--out bench/results/hall_growth.json
	$(BIN)/python -m bench.hall --sizes 3000,4000 --out bench/results/hall_growth_large.json
	$(BIN)/python -m bench.hall --encrypted --rounds 3 --out bench/results/hall_encrypted.json
	eval "$$(scripts/test-services)" && if [ -n "$${TEST_DATABASE_URL:-}" ] && \
		[ -n "$${TEST_REDIS_URL:-}" ]; then $(BIN)/python -m bench.hall --database postgresql \
		--processes 1,2 --sizes 1000,2000 --out bench/results/hall_processes.json; fi

clean:
	rm -rf $(VENV) node_modules static/vendor
