#!/bin/sh
# A separate Python 3.10 venv with Social Finance's liiatools 0.2.0, for benchmarks/bench_import.py.
# liiatools 0.2.0 installs only on Python 3.10 with numpy<2; it is never a QAF dependency.
#   sh benchmarks/liiatools/setup.sh          (PYTHON310=/path/to/python3.10 to choose another)
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VENV="$ROOT/var/bench/liiatools-venv"
PY310=${PYTHON310:-}
if [ -z "$PY310" ]; then
    for candidate in /root/.pyenv/versions/3.10*/bin/python3.10 "$(command -v python3.10 || true)"; do
        if [ -x "$candidate" ]; then PY310=$candidate; break; fi
    done
fi
if [ -z "$PY310" ] || [ ! -x "$PY310" ]; then
    echo "No Python 3.10 found: set PYTHON310=/path/to/python3.10 (liiatools 0.2.0 needs 3.10)" >&2
    exit 1
fi
# liiatools 0.2.0 declares no console script: its CLI is `python -m liiatools`.
if ! "$VENV/bin/python" -c "import liiatools" 2>/dev/null; then
    mkdir -p "$ROOT/var/bench"
    "$PY310" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip
    "$VENV/bin/pip" install --quiet 'liiatools==0.2.0' 'numpy<2'
fi
"$VENV/bin/python" -m liiatools annex-a cleanfile --help >/dev/null
echo "$VENV/bin/python -m liiatools"
