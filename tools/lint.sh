#!/usr/bin/env bash
# Static checks: ruff (lint and format) on addons/, tests/ and tools/, then
# pylint with the pylint-odoo plugin on every addon.
#
#   tools/lint.sh         check only (non-zero exit on any finding)
#   tools/lint.sh --fix   apply ruff's safe fixes and formatting instead
#
# Only the test requirements are needed (not Odoo): pylint-odoo reads the
# addons' sources, it does not import them.
set -euo pipefail

# shellcheck source=tools/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

fix=0
if [ "${1:-}" = --fix ]; then
    fix=1
fi

ensure_requirements test-requirements.txt
cd "$ROOT"

paths=()
for dir in addons tests tools; do
    [ -d "$dir" ] && paths+=("$dir")
done

if [ "$fix" = 1 ]; then
    "$PYTHON" "$TOOLS/gen_readme.py"
    "$PYTHON" -m ruff check --fix "${paths[@]}"
    "$PYTHON" -m ruff format "${paths[@]}"
    exit 0
fi

status=0
info "ruff check ${paths[*]}"
"$PYTHON" -m ruff check "${paths[@]}" || status=1
info "ruff format --check ${paths[*]}"
"$PYTHON" -m ruff format --check "${paths[@]}" || status=1

addons=()
for manifest in addons/*/__manifest__.py; do
    [ -f "$manifest" ] && addons+=("$(dirname "$manifest")")
done
if [ "${#addons[@]}" -eq 0 ]; then
    info "pylint-odoo: no addon under addons/ yet, skipped"
else
    info "pylint --load-plugins=pylint_odoo ${addons[*]}"
    "$PYTHON" -m pylint --load-plugins=pylint_odoo --rcfile=.pylintrc \
        "${addons[@]}" || status=1
fi

info "README.rst generated from readme/ fragments"
"$PYTHON" "$TOOLS/gen_readme.py" --check || status=1

if [ "$status" = 0 ]; then
    echo "make lint: OK"
else
    echo "make lint: FAILED"
fi
exit "$status"
