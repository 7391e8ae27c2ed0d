#!/usr/bin/env bash
# Drop the demonstration database (DEMO_DB, default retail_demo) and its
# filestore under var/data, so that the next `make demo` builds it anew.
set -euo pipefail

# shellcheck source=tools/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DB="${DEMO_DB:-retail_demo}"

require_postgres
if db_exists "$DB"; then
    drop_db "$DB"
    info "Dropped database $DB"
else
    info "Database $DB does not exist: nothing to drop"
fi
if [ -d "$VAR_DIR/data/filestore/$DB" ]; then
    rm -rf -- "$VAR_DIR/data/filestore/$DB"
    info "Removed its filestore var/data/filestore/$DB"
fi
