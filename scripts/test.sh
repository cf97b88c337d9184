#!/usr/bin/env bash
# Install everything the test suite needs on a fresh Debian/Ubuntu machine and run all of it:
# Debian's chromium + chromedriver (for the tab's browser tests), a venv with the test extra.
# Extra arguments go to pytest. pytest's own exit code is kept (5, "no tests ran", fails).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -c .ci/constraints.txt -e ".[test]"
exec .venv/bin/python -m pytest "$@"
