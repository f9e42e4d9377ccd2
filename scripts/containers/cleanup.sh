#!/usr/bin/env bash
# Removes fixture containers left behind by a test process that died before
# stopping them (Ryuk, which would reap them, is off with local images).
# Only containers labelled by @sessionkv/test-kit (tools/test-kit) are touched.
# Do not run it while another test run on this engine is using its containers.
set -euo pipefail
ids=$(docker ps -aq --filter label=org.sessionkv.fixture)
if [ -n "$ids" ]; then
  # shellcheck disable=SC2086
  docker rm -f $ids >/dev/null
  echo "cleanup: removed $(echo "$ids" | wc -l) fixture container(s)" >&2
else
  echo "cleanup: no fixture containers" >&2
fi
