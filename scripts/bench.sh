#!/usr/bin/env bash
# Install everything the benchmarks need on a fresh Debian/Ubuntu machine and run them:
# Debian's chromium + chromedriver (for the tab benchmark), a venv with the bench extra.
# Arguments go to bench/run.py (--quick, --json PATH, --only GROUP ..., --logdir PATH); relative
# paths are read from the folder this script is called from.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null
fi

[ -x "$repo/.venv/bin/python" ] || python3 -m venv "$repo/.venv"
"$repo/.venv/bin/python" -m pip install -q --upgrade pip
"$repo/.venv/bin/python" -m pip install -q -c "$repo/.ci/constraints.txt" -e "$repo[bench]"
exec "$repo/.venv/bin/python" "$repo/bench/run.py" "$@"
