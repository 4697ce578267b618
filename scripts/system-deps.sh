#!/usr/bin/env bash
# Install the Debian packages the pipeline needs, when they are missing.
#   libharfbuzz-subset0  fast, reproducible font subsetting in WeasyPrint
#   poppler-utils        pdftoppm for proofs and visual checks
#   chromium             headless browser for the site's browser tests
#   npm (with nodejs)    installs axe-core for the browser tests (`npm ci`), unless npm exists
#   libgs-common         Ghostscript's CMYK ICC profile (AGPL-3+, so installed, never committed)
#                        for the print PDF's PDF/X output intent and image conversion
set -euo pipefail
packages=(libharfbuzz-subset0 poppler-utils chromium libgs-common)
command -v npm >/dev/null || packages+=(npm)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "system-deps: please install: ${missing[*]}" >&2
  exit 0
fi
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "system-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
