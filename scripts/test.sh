#!/usr/bin/env bash
# `pnpm test`: every package's tests, one package at a time, then one closing line for the whole
# run ("N passed, N failed"), which turbo's own summary does not give. Extra arguments go to turbo
# (`pnpm test --filter @sessionkv/redis`).
set -uo pipefail
cd "$(dirname "$0")/.."
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
pnpm exec turbo run test --concurrency=1 --continue "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
bash scripts/test-summary.sh <"$log"
exit "$status"
