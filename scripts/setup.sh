#!/usr/bin/env bash
# First command of the quick start: installs everything, builds, and runs the conformance
# suite against the embedded in-memory store, printing its report.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=./toolchain.sh
source scripts/toolchain.sh
echo "node $(node --version), pnpm $(pnpm --version)"
pnpm install
pnpm build
pnpm conformance
