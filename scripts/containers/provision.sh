#!/usr/bin/env bash
# Prepares this machine for the container-backed tests: a Docker engine that
# answers, and the locally built server images (for SESSIONKV_LOCAL_IMAGES=1).
# Called by CI before the tests; safe to run again (both steps are idempotent).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
start=$(date +%s)
"$HERE/engine.sh"
"$HERE/build-images.sh"
echo "provision: containers ready in $(($(date +%s) - start))s (tests: SESSIONKV_LOCAL_IMAGES=1)" >&2
