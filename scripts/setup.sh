#!/usr/bin/env bash
# First command of the quick start: installs everything, builds, makes the backend suites able to
# run here wherever it can, and runs the conformance suite against the embedded in-memory store,
# printing its report. Its last line says whether `scripts/run pnpm test` will run every suite,
# and if not, what to run and why.
#
# Containers: as root on a machine with apt-get (Debian), it provisions a Docker engine and the
# locally built server images (scripts/containers/provision.sh: idempotent, seconds when both are
# there already). Elsewhere it only looks, since starting an engine needs root.
#
# Env:
#   SESSIONKV_SETUP_CONTAINERS=0      leave containers alone (only look, and say so)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=./toolchain.sh
source scripts/toolchain.sh
echo "node $(node --version), pnpm $(pnpm --version)"
pnpm install
pnpm build

PROVISION="sudo bash scripts/containers/provision.sh"
# The local images the backend suites start when no registry is reachable (this project's CI).
local_images_missing() {
  local image
  while IFS=$'\t' read -r _ _ _ _ image _; do
    docker image inspect "$image" >/dev/null 2>&1 || echo "$image"
  done < <(node tools/test-kit/cli/image-plan.ts)
}

# One line for the end of the output: what `pnpm test` will do with the backend suites.
containers_verdict() {
  if ! command -v docker >/dev/null 2>&1 || ! timeout 20 docker info >/dev/null 2>&1; then
    echo "setup: no container engine answers here, so \`scripts/run pnpm test\` would skip every backend suite (Redis, DynamoDB, etcd, Memcached): start Docker, or on Debian run \`$PROVISION\`, then \`scripts/run pnpm test\`."
    return
  fi
  local missing
  missing=$(local_images_missing | paste -sd ' ' -)
  if [ -z "$missing" ]; then
    echo "setup: ready: a container engine answers and the local server images are built; \`scripts/run pnpm test\` runs every suite."
  else
    echo "setup: a container engine answers, but local images are missing ($missing): \`scripts/run pnpm test\` pulls the official images, which needs a container registry; without one, run \`$PROVISION\` first."
  fi
}

case "${SESSIONKV_SETUP_CONTAINERS:-}" in
  0 | no | false) echo "setup: containers left alone (SESSIONKV_SETUP_CONTAINERS=${SESSIONKV_SETUP_CONTAINERS})" ;;
  *)
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      # A failure is reported, not fatal: the conformance run below needs no containers, and the
      # closing line says what the tests will do.
      bash scripts/containers/provision.sh || echo "setup: provisioning containers failed (above)" >&2
    fi
    ;;
esac

status=0
pnpm conformance || status=$?
containers_verdict
exit "$status"
