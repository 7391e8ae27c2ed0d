#!/usr/bin/env bash
# The fault harness's full profile (tests/fault/): real Odoo servers with
# workers and the job runner on databases of their own (fault_full_*),
# loopback simulators, faults injected, the database checked afterwards.
# Prints each scenario's figures and checks; exit status 0 only when every
# check passed. `make test` runs the short profile (tests/fault/test_*.py).
#
#   FAULT_ARGS   options of tests/fault/run.py, e.g.
#                "--only duplicates,flash --size documents=200"
#                "--restart-postgres" restarts the machine's PostgreSQL in
#                the connection-loss scenario (every database on it loses
#                its connections); without it the scenario cuts the
#                server's own connections.
#   FAULT_DB_PREFIX  prefix of the databases (default: fault_full)
set -euo pipefail

# shellcheck source=tools/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

require_odoo
require_postgres
ensure_requirements requirements.txt test-requirements.txt

cd "$ROOT/tests"
# shellcheck disable=SC2086  # FAULT_ARGS is a list of options
exec "$PYTHON" -m fault.run --profile full ${FAULT_ARGS:-}
