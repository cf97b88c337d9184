#!/usr/bin/env bash
# Install everything the test suite needs on a fresh Debian/Ubuntu machine and run all of it:
# Debian's chromium + chromedriver (for the tab's browser tests), a venv with the test extra;
# Node (20 or later) must be installed for the tab's JavaScript unit tests (tests/js/).
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
if ! command -v node >/dev/null; then
  echo "scripts/test.sh: node not found; the tab's JavaScript tests (tests/js/) need Node 20 or later" >&2
  exit 1
fi
# Files, not the folder: Node 21+ reads a folder argument as a test file and fails.
node --test tests/js/*.test.mjs
exec .venv/bin/python -m pytest "$@"
