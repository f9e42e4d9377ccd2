#!/usr/bin/env bash
# Reads the output of a test run (every package's Vitest summary) on stdin and prints one
# closing line for the whole run: "N passed, N failed" (", N skipped" when some were). When
# backend suites did not run for want of containers, the line says so, with the packages, the
# reason their tests gave and what to run: a total that hides them would look complete.
# Used by `pnpm test` (scripts/test.sh) and by .ci/run.
# shellcheck disable=SC2016
sed -E 's/\x1b\[[0-9;]*m//g' | awk '
  /Tests +[0-9]/ {
    if (match($0, /[0-9]+ passed/)) passed += substr($0, RSTART, RLENGTH) + 0
    if (match($0, /[0-9]+ failed/)) failed += substr($0, RSTART, RLENGTH) + 0
    if (match($0, /[0-9]+ skipped/)) skipped += substr($0, RSTART, RLENGTH) + 0
  }
  # What requireContainers prints for each test file it gates (turbo prefixes "<package>:test: ").
  /\[sessionkv\] skipping container tests: / {
    files++
    line = $0
    pkg = ""
    if (match(line, /@sessionkv\/[a-z0-9-]+/)) pkg = substr(line, RSTART + 11, RLENGTH - 11)
    else if (match(line, /^[a-z0-9@\/-]+:test:/)) pkg = substr(line, RSTART, RLENGTH - 5)
    if (pkg != "" && !(pkg in seen)) { seen[pkg] = 1; pkgs = pkgs (pkgs ? ", " : "") pkg }
    sub(/.*\[sessionkv\] skipping container tests: /, "", line)
    if (reason == "") reason = line
  }
  END {
    printf "%d passed, %d failed%s", passed, failed, (skipped ? sprintf(", %d skipped", skipped) : "")
    if (files) printf " (backend suites not run: %d test files%s, because %s; run `sudo bash scripts/containers/provision.sh` or start Docker, then test again)", files, (pkgs ? " of " pkgs : ""), reason
    printf "\n"
  }'
