#!/usr/bin/env bash
# Peers for `make bench` (figure 2): Hugo from Debian, when missing.
set -euo pipefail
command -v hugo >/dev/null && exit 0
if ! command -v apt-get >/dev/null; then
  echo "bench-deps: please install hugo" >&2
  exit 0
fi
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends hugo >/dev/null
