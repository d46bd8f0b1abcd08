#!/usr/bin/env bash
# Installs the reference safetensors reader into tools/safetensors-check/.venv (what .ci/run does).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv 2>/dev/null || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv .venv
  }
fi
.venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
