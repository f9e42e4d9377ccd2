#!/usr/bin/env bash
# Reads the output of a test run (every package's Vitest summary) on stdin and prints one
# closing line for the whole run: "N passed, N failed" (", N skipped" when some were).
# Used by `pnpm test` (scripts/test.sh) and by .ci/run.
# shellcheck disable=SC2016
sed -E 's/\x1b\[[0-9;]*m//g' | awk '
  /Tests +[0-9]/ {
    if (match($0, /[0-9]+ passed/)) passed += substr($0, RSTART, RLENGTH) + 0
    if (match($0, /[0-9]+ failed/)) failed += substr($0, RSTART, RLENGTH) + 0
    if (match($0, /[0-9]+ skipped/)) skipped += substr($0, RSTART, RLENGTH) + 0
  }
  END { printf "%d passed, %d failed%s\n", passed, failed, (skipped ? sprintf(", %d skipped", skipped) : "") }'
