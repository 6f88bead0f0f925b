#!/usr/bin/env bash
# Installs the Python client package into a virtual environment of its own (.build/pyenv, with the
# system's site packages, where deploy/install-deps.sh put pyzmq and protobuf) and runs its pytest
# suite against real clusters of the efficientrec binary ($EFFICIENTREC_BIN, default the debug build).
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=.build/pyenv
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
if [ ! -x "$venv/bin/python" ]; then
  if ! python3 -m venv --system-site-packages "$venv" 2>/dev/null; then
    # Debian's python3 needs python3-venv for ensurepip.
    rm -rf "$venv"
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv --system-site-packages "$venv"
  fi
fi
# With PyPI reachable pip builds in isolation; without it, from the setuptools already installed.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check './clients/python[pandas]' 2>/dev/null \
  || "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-build-isolation ./clients/python
# pandas (optional for users) is required here, so the DataFrame test runs instead of skipping.
"$venv/bin/python" -c "import pandas" 2>/dev/null \
  || { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-pandas >/dev/null; }
export EFFICIENTREC_REQUIRE_PANDAS=1
"$venv/bin/python" -c "import pytest" 2>/dev/null \
  || "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "pytest>=7" \
  || { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-pytest >/dev/null; }
export EFFICIENTREC_BIN="${EFFICIENTREC_BIN:-$PWD/.build/debug/efficientrec}"
# From outside the source tree, so the tests import the installed package.
cd clients/python/tests && "../../../$venv/bin/python" -m pytest -q -p no:cacheprovider .
