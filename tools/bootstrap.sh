#!/usr/bin/env bash
# Prepare everything `make run` / `make test` need, idempotently:
#   system packages, a running PostgreSQL with a role for this user,
#   the .venv with requirements.txt, an importable Odoo 18 source tree,
#   and generated Odoo config files in var/.
# Usage: tools/bootstrap.sh            (called by the Makefile)
# Environment: VENV (default .venv), ODOO_SRC, ODOO_CLONE_DIR (default /opt/odoo18),
#              SKIP_APT=1 to skip the apt step.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${VENV:-.venv}"
ODOO_CLONE_DIR="${ODOO_CLONE_DIR:-/opt/odoo18}"
ODOO_BRANCH="18.0"
VAR="$ROOT/var"
ME="$(id -un)"

say() { printf '[bootstrap] %s\n' "$*" >&2; }
die() { printf '[bootstrap] ERROR: %s\n' "$*" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi

# ---------------------------------------------------------------- apt
APT_PACKAGES=(postgresql libpq-dev libldap2-dev libsasl2-dev wkhtmltopdf chromium
              fonts-noto-cjk poppler-utils)
if [ "${SKIP_APT:-0}" != 1 ]; then
    missing=()
    for p in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$p")
    done
    # compilers for the few requirements built from source (python-ldap, cbor2...)
    command -v cc >/dev/null 2>&1 || missing+=(build-essential)
    if [ ${#missing[@]} -gt 0 ]; then
        command -v apt-get >/dev/null 2>&1 \
            || die "missing system packages (${missing[*]}) and no apt-get: install them by hand"
        say "installing system packages: ${missing[*]}"
        "${SUDO[@]}" apt-get update -qq
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
    fi
fi

# ---------------------------------------------------------------- PostgreSQL
as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}
if command -v pg_lsclusters >/dev/null 2>&1; then
    # start every cluster that is down (normally just "15 main")
    pg_lsclusters -h | while read -r ver name _port status _rest; do
        if [ "${status%%,*}" != online ]; then
            say "starting PostgreSQL cluster $ver/$name"
            "${SUDO[@]}" pg_ctlcluster "$ver" "$name" start
        fi
    done
fi
for _ in $(seq 1 30); do
    pg_isready -q 2>/dev/null && break
    sleep 1
done
pg_isready -q || die "PostgreSQL is not accepting connections (check pg_lsclusters)"
if ! psql -X -d postgres -tAc 'select 1' >/dev/null 2>&1; then
    say "creating PostgreSQL superuser role '$ME'"
    as_postgres createuser -s "$ME" \
        || die "could not create PostgreSQL role '$ME' (try: sudo -u postgres createuser -s $ME)"
fi

# ---------------------------------------------------------------- venv
if [ ! -x "$VENV/bin/python" ]; then
    say "creating virtualenv $VENV"
    python3 -m venv "$VENV"
fi
PY="$ROOT/$VENV/bin/python"
[ -x "$PY" ] || PY="$VENV/bin/python"   # VENV may be absolute
STAMP="$VENV/.requirements.stamp"
if [ ! -f "$STAMP" ] || [ requirements.txt -nt "$STAMP" ]; then
    say "installing requirements.txt into $VENV (a few minutes the first time)"
    mkdir -p "$VAR"
    # cbor2's isolated build imports pkg_resources, which setuptools>=81 dropped
    echo 'setuptools<81' > "$VAR/pip-constraint.txt"
    PIP_CONSTRAINT="$VAR/pip-constraint.txt" "$PY" -m pip install -q \
        --disable-pip-version-check -r requirements.txt
    touch "$STAMP"
fi

# ---------------------------------------------------------------- Odoo source
SITE="$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
PTH="$SITE/odoo-src.pth"
is_odoo18() { [ -f "$1/odoo/release.py" ] && [ -d "$1/odoo/addons/base" ] \
              && grep -q "^version_info = (18, 0" "$1/odoo/release.py"; }

ours="$(cat "$PTH" 2>/dev/null || true)"
importable="$("$PY" -c 'import os, odoo; print(os.path.dirname(os.path.dirname(os.path.abspath(odoo.__file__))))' 2>/dev/null || true)"
SRC=""
if [ -n "$importable" ] && [ "$importable" != "$ours" ] && is_odoo18 "$importable"; then
    SRC="$importable"; say "using Odoo importable in $VENV: $SRC"
elif [ -n "${ODOO_SRC:-}" ]; then
    is_odoo18 "$ODOO_SRC" || die "ODOO_SRC=$ODOO_SRC is not an Odoo 18.0 source tree"
    SRC="$(cd "$ODOO_SRC" && pwd)"
elif is_odoo18 /opt/odoo18; then
    SRC=/opt/odoo18
elif [ -n "$ours" ] && is_odoo18 "$ours"; then
    SRC="$ours"
else
    say "no Odoo 18 source found; cloning branch $ODOO_BRANCH into $ODOO_CLONE_DIR"
    if [ ! -w "$(dirname "$ODOO_CLONE_DIR")" ]; then
        "${SUDO[@]}" mkdir -p "$ODOO_CLONE_DIR" && "${SUDO[@]}" chown "$ME" "$ODOO_CLONE_DIR"
    fi
    if ! git clone --depth 1 -b "$ODOO_BRANCH" https://github.com/odoo/odoo "$ODOO_CLONE_DIR"; then
        die "could not get the Odoo 18 source (offline?). Put an Odoo 18.0 checkout
somewhere and run again with ODOO_SRC=/path/to/odoo (the folder holding odoo-bin),
or make 'odoo' importable in $VENV."
    fi
    SRC="$ODOO_CLONE_DIR"
fi
if [ "$SRC" = "$importable" ] && [ "$importable" != "$ours" ]; then
    rm -f "$PTH"                 # importable on its own: no link needed
elif [ "$ours" != "$SRC" ]; then
    say "linking $SRC into $VENV ($PTH)"
    echo "$SRC" > "$PTH"
fi
"$PY" -c 'import odoo.release as r; assert r.version_info[:2] == (18, 0), r.version' \
    || die "'import odoo' in $VENV does not give Odoo 18.0"

# ---------------------------------------------------------------- config in var/
ADDONS="$SRC/odoo/addons"
[ -d "$SRC/addons" ] && ADDONS="$SRC/addons,$ADDONS"
ADDONS="$ADDONS,$ROOT"
mkdir -p "$VAR/data" "$VAR/log"
write_conf() {  # file db http_port cron_threads
    cat > "$1.tmp" <<CONF
# Generated by tools/bootstrap.sh - do not edit, rerun make instead.
[options]
addons_path = $ADDONS
data_dir = $VAR/data
db_name = $2
dbfilter = ^$2\$
http_port = $3
admin_passwd = admin
list_db = False
workers = 0
max_cron_threads = $4
CONF
    mv "$1.tmp" "$1"
}
write_conf "$VAR/odoo.conf" "${RUN_DB:-payment_reminder_demo}" "${PORT:-8069}" 1
write_conf "$VAR/odoo-test.conf" "${TEST_DB:-payment_reminder_test}" "${TEST_PORT:-8169}" 0
echo "$SRC" > "$VAR/odoo-src"
say "ready: Odoo $SRC, venv $VENV, config $VAR/odoo.conf"
