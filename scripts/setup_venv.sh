#!/usr/bin/env bash
# Create or update csbot's virtual environment in one pip resolve from requirements.lock.
# Usage: scripts/setup_venv.sh VENV_DIR. Idempotent: a venv already built from the same
# lock file only gets the (fast) editable install of this checkout.
set -euo pipefail
venv=${1:-.venv}
here=$(cd "$(dirname "$0")/.." && pwd)
lock_hash=$(sha256sum < "$here/requirements.lock" | cut -c1-16)

find_python() {
  if [ -n "${CSBOT_PYTHON:-}" ]; then echo "$CSBOT_PYTHON"; return; fi
  if command -v python3.10 >/dev/null 2>&1 && python3.10 -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
    command -v python3.10; return
  fi
  if command -v pyenv >/dev/null 2>&1; then
    for candidate in "$(pyenv root)"/versions/3.10.*/bin/python; do
      [ -x "$candidate" ] && { echo "$candidate"; return; }
    done
  fi
  return 1
}

if [ ! -f "$venv/.csbot-lock-$lock_hash" ]; then
  if ! python=$(find_python); then
    cat >&2 <<'MSG'
csbot needs Python 3.10 (Rasa 3.6 supports Python 3.8-3.10 only) and found none.
Install it, then run this command again:
  - with pyenv:  pyenv install 3.10.13
  - on Debian/Ubuntu: apt-get install python3.10 python3.10-venv (deadsnakes PPA on Ubuntu)
  - or point CSBOT_PYTHON at a python3.10 executable.
MSG
    exit 1
  fi
  echo "==> Creating $venv with $python (one pip resolve from requirements.lock; ~3 min, ~8 GB)"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.lock" 2>&1 \
    | grep -v "^WARNING: Location" || true
  "$venv/bin/python" -m pip check
  touch "$venv/.csbot-lock-$lock_hash"
fi
# The checkout itself, editable and without dependencies: seconds, and it follows the clone
# (redone only when the checkout's place or its pyproject.toml changed).
editable="$venv/.csbot-editable-$( (echo "$here"; cat "$here/pyproject.toml") | sha256sum | cut -c1-16)"
if [ ! -f "$editable" ]; then
  rm -f "$venv"/.csbot-editable-*
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e "$here" 2>&1 \
    | grep -v "^WARNING: Location" || true
  touch "$editable"
fi
"$venv/bin/python" -c "import rasa, bot" || { echo "venv $venv is broken: delete it and rerun" >&2; exit 1; }
