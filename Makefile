# Developer and CI entry points. The work is done by the scripts in tools/.
#
# Variables (pass as `make test KEEP_DB=1` or through the environment):
#   ADDONS_DIR      addons directory (default: ./addons)
#   RETAIL_TEST_DB  test database (default: retail_test_<pid>, dropped after)
#   KEEP_DB=1       keep the test database
#   DEMO_DB         demo database (default: retail_demo)
#   PORT            demo HTTP port (default: 8069)
#   PYTEST_ADDOPTS  extra pytest options
#   PGHOST PGPORT PGUSER PGPASSWORD  PostgreSQL connection

SHELL := /bin/bash
.DEFAULT_GOAL := help

export ADDONS_DIR RETAIL_TEST_DB KEEP_DB DEMO_DB PORT TEST_LOG_LEVEL FAULT_ARGS

.PHONY: help test fault demo demo-reset lint format clean

help: ## Show this help
	@echo "Usage: make <target> [VARIABLE=value ...]"
	@echo
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "} {printf "  %-12s %s\n", $$1, $$2}'
	@echo
	@echo "Variables: ADDONS_DIR RETAIL_TEST_DB KEEP_DB=1 DEMO_DB PORT PYTEST_ADDOPTS"
	@echo "           PGHOST PGPORT PGUSER PGPASSWORD (see the Makefile header)"

test: ## Install all addons in a fresh database, run pytest, fail on log warnings
	@bash tools/test.sh

fault: ## Fault harness, full profile (tests/fault/; FAULT_ARGS for run.py options)
	@bash tools/fault.sh

demo: ## Create the demo database if absent, then run Odoo in the foreground
	@bash tools/demo.sh

demo-reset: ## Drop the demo database
	@bash tools/demo_reset.sh

lint: ## ruff check, ruff format --check and pylint-odoo
	@bash tools/lint.sh

format: ## Apply ruff's fixes and formatting
	@bash tools/lint.sh --fix

clean: ## Remove generated files under var/
	rm -rf var
