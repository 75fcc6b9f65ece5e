#!/usr/bin/env bash
# Runs tox from a private virtualenv (.tox-bootstrap), made on first use, so
# a fresh machine needs nothing but python3 with the venv module.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
venv="$top/.tox-bootstrap"
if [ ! -x "$venv/bin/tox" ]; then
    if ! python3 -m venv "$venv"; then
        echo "tools/tox.sh: 'python3 -m venv' failed; install the python3-venv" \
             "package (Debian/Ubuntu) and try again" >&2
        exit 1
    fi
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        'tox>=4.0'
fi
exec "$venv/bin/tox" -c "$top/tox.ini" "$@"
