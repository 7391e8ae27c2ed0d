# shellcheck shell=bash
# Shared helpers for the tools/*.sh scripts. Source it, do not run it.
#
# Environment understood by every script:
#   ADDONS_DIR   directory holding the addons (default: <repo>/addons)
#   PYTHON       Python interpreter that imports Odoo 19 (default: python3)
#   PGHOST PGPORT PGUSER PGPASSWORD
#                standard PostgreSQL variables; read natively by psql, createdb
#                and dropdb, and passed on to Odoo as --db_host/--db_port/
#                --db_user/--db_password when set.

# Variables set here are read by the scripts that source this file.
# shellcheck disable=SC2034
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/tools"
VAR_DIR="$ROOT/var"
PYTHON="${PYTHON:-python3}"
ADDONS_DIR="${ADDONS_DIR:-$ROOT/addons}"

info() { printf '==> %s\n' "$*"; }
die() {
    printf '%s\n' "$*" >&2
    exit 1
}

# Absolute, symlink-free path of ADDONS_DIR (it must exist).
resolve_addons_dir() {
    [ -d "$ADDONS_DIR" ] || die "ADDONS_DIR does not exist: $ADDONS_DIR"
    ADDONS_DIR="$(cd "$ADDONS_DIR" && pwd -P)"
}

# (a) Odoo 19 must be importable by the interpreter. When $PYTHON does not
# import it, the project's virtual environment ($RETAIL_VENV, default .venv)
# is used, created first with Odoo 19 installed into it by
# tools/install_odoo.py (from ODOO_SOURCE, a local Odoo 19 source tree, or
# from Odoo's public repository); PYTHON then names the environment's python.
_imports_odoo19() {
    "$1" -c 'import sys, odoo.release
sys.exit(0 if odoo.release.version_info[0] == 19 else 1)' >/dev/null 2>&1
}

require_odoo() {
    _imports_odoo19 "$PYTHON" && return 0
    local venv="${RETAIL_VENV:-$ROOT/.venv}"
    if ! _imports_odoo19 "$venv/bin/python"; then
        info "$PYTHON does not import Odoo 19: installing it into $venv"
        if [ ! -x "$venv/bin/python" ]; then
            "$PYTHON" -m venv "$venv" ||
                die "Could not create the virtual environment $venv with $PYTHON (install python3-venv)."
        fi
        "$venv/bin/python" "$TOOLS/install_odoo.py" ||
            die "Installing Odoo 19 into $venv failed (see above); set ODOO_SOURCE to a local Odoo 19 source tree to install from it."
    fi
    PYTHON="$venv/bin/python"
    export PATH="$venv/bin:$PATH"
}

_pg_ready() { pg_isready -q -t 3 >/dev/null 2>&1; }

# (b) PostgreSQL must answer. A local Debian-style cluster is started when it
# is down and the server is local (no PGHOST, or a socket directory).
require_postgres() {
    command -v pg_isready >/dev/null 2>&1 ||
        die "pg_isready not found: install the PostgreSQL client tools."
    _pg_ready && return 0

    local local_server=0 waited=0 started=0
    case "${PGHOST:-}" in
    "" | /*) local_server=1 ;;
    esac
    if [ "$local_server" = 1 ] && command -v pg_ctlcluster >/dev/null 2>&1 &&
        [ -d /etc/postgresql ]; then
        local version
        for version in /etc/postgresql/*/; do
            version="$(basename "$version")"
            [ -d "/etc/postgresql/$version/main" ] || continue
            info "PostgreSQL is not answering: starting cluster $version/main"
            if pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1; then
                started=1
            fi
        done
    fi
    # Wait when a cluster was just started, or when the server says it is
    # starting up (pg_isready exit code 1: rejecting connections).
    local rc=0
    pg_isready -q -t 3 >/dev/null 2>&1 || rc=$?
    if [ "$started" = 1 ] || [ "$rc" = 1 ]; then
        while [ "$waited" -lt 30 ]; do
            _pg_ready && return 0
            sleep 1
            waited=$((waited + 1))
        done
    fi
    die "PostgreSQL is not answering (pg_isready failed for host '${PGHOST:-local socket}'${PGPORT:+, port $PGPORT}): start it, or set PGHOST/PGPORT/PGUSER/PGPASSWORD."
}

# (c) Install the Python requirements, but only when one is missing or does
# not satisfy its version range. Arguments: requirement files.
ensure_requirements() {
    local files=("$@") pip_args=() f
    for f in "${files[@]}"; do
        pip_args+=(-r "$ROOT/$f")
    done
    if "$PYTHON" "$TOOLS/check_requirements.py" "${files[@]/#/$ROOT/}"; then
        return 0
    fi
    info "Installing Python requirements: ${files[*]}"
    "$PYTHON" -m pip install -q "${pip_args[@]}"
    "$PYTHON" "$TOOLS/check_requirements.py" "${files[@]/#/$ROOT/}" ||
        die "Python requirements are still not satisfied after installing them."
}

# Comma-separated list of installable addons under ADDONS_DIR (may be empty).
installable_addons() {
    "$PYTHON" "$TOOLS/list_addons.py" "$ADDONS_DIR"
}

# addons_path value: ADDONS_DIR when it holds at least one Odoo module, else
# empty (Odoo rejects such a directory with a warning of its own).
addons_path_value() {
    if "$PYTHON" "$TOOLS/list_addons.py" --has-modules "$ADDONS_DIR"; then
        printf '%s' "$ADDONS_DIR"
    fi
}

# Odoo command-line database options taken from the standard PG variables.
ODOO_DB_ARGS=()
PYTEST_DB_ARGS=()
set_db_args() {
    ODOO_DB_ARGS=()
    PYTEST_DB_ARGS=()
    local var opt
    for var in PGHOST PGPORT PGUSER PGPASSWORD; do
        [ -n "${!var:-}" ] || continue
        case "$var" in
        PGHOST) opt=db_host ;;
        PGPORT) opt=db_port ;;
        PGUSER) opt=db_user ;;
        PGPASSWORD) opt=db_password ;;
        esac
        ODOO_DB_ARGS+=("--$opt=${!var}")
        PYTEST_DB_ARGS+=("--odoo-extra=$opt=${!var}")
    done
}

# True when database $1 exists.
db_exists() {
    local found
    found="$(psql -X -q -d postgres -tA -v "db=$1" <<<"SELECT 1 FROM pg_database WHERE datname = :'db';")" ||
        die "Could not query PostgreSQL for database '$1'."
    [ "$found" = 1 ]
}

drop_db() {
    PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" \
        dropdb --if-exists --force "$1"
}
