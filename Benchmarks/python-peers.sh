#!/usr/bin/env bash
# python-liquid and Jinja2 on the same fixture: runs ../shared/bench/bench_python.py in a virtualenv
# at <repo>/.venv (git-ignored), installing python-liquid and jinja2 there if missing.
# Usage: Benchmarks/python-peers.sh [runs] [ms_per_run]      (defaults 7 and 1000, as the Swift bench)
#   FIXTURES=DIR overrides the fixture folder (default <repo>/../shared/bench).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
fixtures="${FIXTURES:-$repo/../shared/bench}"
script="$fixtures/bench_python.py"
if [[ ! -f "$script" ]]; then
    echo "python-peers: $script not found (expected the shared fixture at <repo>/../shared/bench; set FIXTURES=DIR)" >&2
    exit 2
fi
venv="$repo/.venv"
python="${PYTHON:-python3}"
if [[ ! -x "$venv/bin/python" ]]; then
    echo "python-peers: creating virtualenv $venv" >&2
    "$python" -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import liquid, jinja2' 2>/dev/null; then
    echo "python-peers: installing python-liquid and jinja2 into $venv" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check python-liquid jinja2 >&2
fi
"$venv/bin/python" -c 'import sys, liquid, jinja2; print(f"python {sys.version.split()[0]}, python-liquid {liquid.__version__}, jinja2 {jinja2.__version__}", file=sys.stderr)'
exec "$venv/bin/python" "$script" "$@"
