#!/usr/bin/env bash
# Installs the system packages the test suite needs when they are missing:
# Qt's runtime libraries (offscreen platform) and a PostgreSQL server for team-mode tests.
#
#   ensure-system-deps.sh             everything the test suite needs
#   ensure-system-deps.sh --postgres  only the PostgreSQL server binaries (initdb, pg_ctl, postgres)
#
# Exits non-zero with a message when something is missing and cannot be installed (no apt-get,
# or neither root nor sudo): the test session then fails loudly in CI (CI=true) and skips the
# PostgreSQL tests elsewhere.
set -euo pipefail
only_pg=0
[ "${1:-}" = "--postgres" ] && only_pg=1

have_pg_server() {
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && return 0
    command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1
}

need=()
if [ "$only_pg" = 0 ]; then
    have_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
    have_lib libEGL.so.1 || need+=(libegl1)
    have_lib libGL.so.1 || need+=(libgl1)
    have_lib libxkbcommon.so.0 || need+=(libxkbcommon0)
    have_lib libfontconfig.so.1 || need+=(libfontconfig1)
    have_lib libdbus-1.so.3 || need+=(libdbus-1-3)
    have_lib libglib-2.0.so.0 || need+=(libglib2.0-0)
    { fc-list >/dev/null 2>&1 && [ -n "$(fc-list 2>/dev/null | head -n1)" ]; } || need+=(fonts-dejavu-core fontconfig)
fi
have_pg_server || need+=(postgresql)
# runuser/setpriv start the test server as an unprivileged user when we are root.
if [ "$(id -u)" = 0 ] && ! command -v runuser >/dev/null 2>&1 && ! command -v setpriv >/dev/null 2>&1; then
    need+=(util-linux)
fi

[ ${#need[@]} -eq 0 ] && exit 0

echo "installing system packages: ${need[*]}" >&2
if [ "$(id -u)" = 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
else
    echo "ensure-system-deps: missing ${need[*]} and not root (no passwordless sudo); install them by hand" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-system-deps: missing ${need[*]} and no apt-get on this system; install them by hand" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# The package's post-install script may try to start a system-wide cluster; we never use it.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ] && [ "$(id -u)" = 0 ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
fi
cleanup() { [ "$created_policy" = 1 ] && rm -f "$policy"; return 0; }
trap cleanup EXIT
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
if ! have_pg_server; then
    echo "ensure-system-deps: postgresql was installed but initdb was not found" >&2
    exit 1
fi
