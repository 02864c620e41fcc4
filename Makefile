# payment_reminder: build, run and test tooling.  `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

ADDON     := payment_reminder
VENV      ?= .venv
PY        := $(VENV)/bin/python
PORT      ?= 8069
RUN_DB    ?= payment_reminder_demo
TEST_DB   ?= payment_reminder_test
TEST_PORT ?= 8169
LINT_VENV ?= .venv-lint
BUILD_VENV ?= .venv-build
ODOO      := $(PY) tools/odoo
export VENV PORT RUN_DB TEST_DB TEST_PORT

.PHONY: help bootstrap run test pytest lint format bench soak soak-short wheel clean

help:
	@echo "make run     install $(ADDON) with demo data in DB $(RUN_DB), serve on http://localhost:$(PORT) (admin/admin)"
	@echo "make test    fresh DB $(TEST_DB), Odoo test runner + pytest-odoo, log check"
	@echo "make pytest  TESTS=$(ADDON)/tests/test_x.py: update the addon in $(TEST_DB), run pytest on TESTS"
	@echo "make lint    ruff, pylint-odoo, oca-checks-odoo-module/po, prettier (XML)"
	@echo "make format  ruff format + fixes, prettier --write"
	@echo "make bench   a Double-11 day of 10k and 100k orders: the figures table (SIZES=2000 for a quick run)"
	@echo "make soak    two Odoo servers, one DB, load and faults for SOAK_MINUTES=5 (SOAK_ORDERS=2000), invariants checked"
	@echo "make soak-short  the same in about 6 minutes (1 min of load, 300 orders): CI's last step"
	@echo "make wheel  build the pip wheel odoo_addon_$(ADDON)-<version>-py3-none-any.whl into dist/"
	@echo "variables: PORT=$(PORT) TEST_PORT=$(TEST_PORT) ODOO_SRC=... TEST_TAGS=... VERBOSE=1 DEMO=1"

bootstrap:
	@tools/bootstrap.sh

# (Re)create the demo DB unless it already has the addon installed, then serve.
# Demo data is loaded because --without-demo is NOT passed (any value disables it).
run: bootstrap
	@state=$$(psql -X -d $(RUN_DB) -tAc "select state from ir_module_module where name='$(ADDON)'" 2>/dev/null || true); \
	if [ "$$state" = installed ]; then \
	    echo "[run] $(RUN_DB) has $(ADDON) installed: updating it"; \
	    $(ODOO) -c var/odoo.conf -d $(RUN_DB) -u $(ADDON) --stop-after-init --no-http; \
	else \
	    echo "[run] creating $(RUN_DB) with $(ADDON) and demo data"; \
	    dropdb --if-exists --force $(RUN_DB); \
	    $(ODOO) -c var/odoo.conf -d $(RUN_DB) -i $(ADDON) --stop-after-init --no-http; \
	fi
	@echo "[run] serving http://localhost:$(PORT)  (login admin / password admin)"
	$(ODOO) -c var/odoo.conf -d $(RUN_DB) --http-port $(PORT)

test: bootstrap
	$(PY) tools/run_tests.py --addon $(ADDON) --db $(TEST_DB) --port $(TEST_PORT) \
	    $(if $(TEST_TAGS),--test-tags '$(TEST_TAGS)') $(if $(DEMO),--demo) $(if $(VERBOSE),--verbose) \
	    $(TESTS)

# Fast loop for one test file: reuse the test DB (create it if missing, else -u the addon).
pytest: bootstrap
	@state=$$(psql -X -d $(TEST_DB) -tAc "select state from ir_module_module where name='$(ADDON)'" 2>/dev/null || true); \
	if [ "$$state" = installed ]; then flag=-u; else flag=-i; dropdb --if-exists --force $(TEST_DB); fi; \
	$(ODOO) -c var/odoo-test.conf -d $(TEST_DB) $$flag $(ADDON) --without-demo=all --stop-after-init --no-http --log-level=warn
	env -u HOST -u PORT -u USER -u PASSWORD $(PY) -m pytest \
	    --odoo-database=$(TEST_DB) --odoo-config=var/odoo-test.conf $(or $(TESTS),$(ADDON))

LINT_STAMP := $(LINT_VENV)/.requirements.stamp
$(LINT_STAMP): requirements-lint.txt
	@test -x $(LINT_VENV)/bin/python || python3 -m venv $(LINT_VENV)
	$(LINT_VENV)/bin/python -m pip install -q --disable-pip-version-check -r requirements-lint.txt
	@touch $@

node_modules/.stamp: package.json package-lock.json
	@command -v npm >/dev/null || { [ "$$(id -u)" = 0 ] && S= || S=sudo; \
	    $$S apt-get update -qq && $$S env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm </dev/null; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

lint: $(LINT_STAMP) node_modules/.stamp
	LINT_VENV=$(LINT_VENV) tools/lint.sh $(ADDON)

format: $(LINT_STAMP) node_modules/.stamp
	$(LINT_VENV)/bin/ruff check --fix .
	$(LINT_VENV)/bin/ruff format .
	npx --no-install prettier --write --ignore-unknown '**/*.xml'

# Both sizes take 20 to 30 minutes on 2 cores; the table is also saved in
# var/bench/double11.md.  SIZES=2000,10000 runs other sizes.
bench: bootstrap
	@if [ -f bench/double11.py ]; then $(PY) bench/double11.py $(if $(SIZES),--sizes $(SIZES)); \
	else echo "bench/double11.py does not exist yet"; exit 1; fi

# Two Odoo servers (multi-process) on DB payment_reminder_soak, ports 8269/8270:
# SOAK_MINUTES of load (SOAK_ORDERS orders at most), faults, SOAK_DRAIN more
# minutes for the crons (default: SOAK_DEADLINE + 2.5), then the invariants;
# fails when one breaks. The figures are also saved in var/soak/soak.md.
SOAK_MINUTES ?= 5
SOAK_ORDERS  ?= 2000
export SOAK_MINUTES SOAK_ORDERS SOAK_DEADLINE SOAK_DRAIN
soak: bootstrap
	$(PY) bench/soak.py

# The short run CI does after the tests: 1 minute of load, every fault, a
# 4-minute deadline so that the first orders close before the end. Its final
# reminder goes 2 minutes before the close: two periods of the send cron (with
# one, a reminder due just after a send run met the close first).
soak-short:
	$(MAKE) soak SOAK_MINUTES=1 SOAK_ORDERS=300 SOAK_DEADLINE=4 SOAK_DRAIN=3.5

# OCA-style pip wheel with the whool build backend (payment_reminder/pyproject.toml).
# whool names it after the addon and takes the version from the manifest (+ ".N",
# the commits since the version last changed); it packs the files git tracks in
# the addon folder as they are in the work tree.
BUILD_STAMP := $(BUILD_VENV)/.requirements.stamp
$(BUILD_STAMP):
	@test -x $(BUILD_VENV)/bin/python || python3 -m venv $(BUILD_VENV)
	$(BUILD_VENV)/bin/python -m pip install -q --disable-pip-version-check build==1.6.1 whool==1.3.1
	@touch $@

wheel: $(BUILD_STAMP)
	$(BUILD_VENV)/bin/python -m build --wheel --no-isolation --outdir dist $(ADDON)

clean:
	rm -rf var/log var/*.conf
