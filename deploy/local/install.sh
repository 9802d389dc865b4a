#!/usr/bin/env bash
# Install the workspace (every service, the contracts and the kit) into .venv, exactly as uv.lock pins it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
UV_VERSION=0.13.8
cd "$ROOT"
if ! python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
  echo "Python 3.11 is required (python3 is $(python3 --version 2>&1))" >&2; exit 2
fi
if ! python3 -m uv --version 2>/dev/null | grep -q "$UV_VERSION"; then
  python3 -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
python3 -m uv sync --all-packages --frozen --quiet
# The reporting dashboard's chart library (ECharts), pinned and checked; a no-op once it is there.
"$ROOT/.venv/bin/python" "$ROOT/tools/fetch_web_assets.py"
touch "$ROOT/.venv"
