#!/usr/bin/env bash
# Debian's Chromium at /usr/bin/chromium, for the dashboard's browser tests (packages/http,
# driven by playwright-core with executablePath; playwright's own browser downloads are not
# used). Called by .ci/run; safe to run again: it installs only when the binary is missing.
# SESSIONKV_CHROMIUM names another Chromium build to use instead (GitHub's Ubuntu runners have no
# Debian package of it, but ship Chrome); then nothing is installed.
set -euo pipefail
if [ -n "${SESSIONKV_CHROMIUM:-}" ]; then
  [ -x "$SESSIONKV_CHROMIUM" ] || { echo "browser: SESSIONKV_CHROMIUM=$SESSIONKV_CHROMIUM is not executable" >&2; exit 1; }
  echo "browser: using $SESSIONKV_CHROMIUM ($("$SESSIONKV_CHROMIUM" --version 2>/dev/null || echo unknown version))"
  exit 0
fi
if [ -x /usr/bin/chromium ]; then
  echo "browser: $(/usr/bin/chromium --version 2>/dev/null || echo chromium) already installed"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
start=$(date +%s)
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
echo "browser: $(/usr/bin/chromium --version) installed in $(($(date +%s) - start))s"
