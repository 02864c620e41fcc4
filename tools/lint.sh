#!/usr/bin/env bash
# Lint like OCA's 18.0 pre-commit config; called by `make lint` (runs every
# check, then fails if any failed).  Usage: tools/lint.sh ADDON_DIR...
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
LINT_VENV="${LINT_VENV:-.venv-lint}"
BIN="$LINT_VENV/bin"
ADDONS=("${@:-payment_reminder}")
failed=()

step() {  # name command...
    local name="$1"; shift
    echo "[lint] $name"
    if ! "$@"; then failed+=("$name"); fi
}

step "ruff format --check" "$BIN/ruff" format --check --diff .
step "ruff check" "$BIN/ruff" check --no-fix .
# pylint only on the addons' Python files (it needs a package, not the repo)
FMT=text; [ -t 1 ] && FMT=colorized
step "pylint-odoo (mandatory checks)" \
    "$BIN/pylint" --rcfile=.pylintrc-mandatory --score=n --output-format=$FMT "${ADDONS[@]}"
echo "[lint] pylint-odoo (optional checks, informative only)"
"$BIN/pylint" --rcfile=.pylintrc --score=n --output-format=$FMT --exit-zero "${ADDONS[@]}"
step "oca-checks-odoo-module" "$BIN/oca-checks-odoo-module" --no-verbose "${ADDONS[@]}"
mapfile -t POS < <(git ls-files --cached --others --exclude-standard -- '*.po' '*.pot')
if [ ${#POS[@]} -gt 0 ]; then
    step "oca-checks-po" "$BIN/oca-checks-po" --no-verbose --disable=po-pretty-format "${POS[@]}"
else
    echo "[lint] oca-checks-po: no .po/.pot file, skipped"
fi
mapfile -t XMLS < <(git ls-files --cached --others --exclude-standard -- '*.xml')
if [ ${#XMLS[@]} -gt 0 ]; then
    step "prettier --check (XML)" npx --no-install prettier --check "${XMLS[@]}"
else
    echo "[lint] prettier: no XML file, skipped"
fi

if [ ${#failed[@]} -gt 0 ]; then
    printf '[lint] FAILED: %s\n' "${failed[@]}"
    echo "[lint] 'make format' fixes formatting (ruff format, prettier) by itself"
    exit 1
fi
echo "[lint] all checks passed"
