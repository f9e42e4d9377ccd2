#!/usr/bin/env bash
# Puts this machine in the state of a busy shared CI runner, then runs a command under it:
# the load a verdict must survive (conformance README, "Verdicts that hold on a loaded machine").
#
#   scripts/stress.sh [options] [-- command...]
#     --per-core N     busy processes per core (default 2)
#     --also "cmd"     a second suite to keep running in a loop meanwhile (e.g. "pnpm conformance")
#     --repeat N       run the command N times (default 1) and tally the runs
#     --seconds N      without a command: load the machine for N seconds (default 300)
#     --log-dir DIR    keep each run's output there (default: a temporary directory)
#
# Exit status: 0 when every run of the command exited 0, else 1. Everything it starts is
# stopped on the way out, including on Ctrl-C, by process group.
set -euo pipefail
cd "$(dirname "$0")/.."

per_core=2
also=""
repeat=1
seconds=300
log_dir=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --per-core) per_core="$2"; shift 2 ;;
    --also) also="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --log-dir) log_dir="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "stress.sh: unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
for n in "$per_core" "$repeat" "$seconds"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "stress.sh: $n is not a positive integer" >&2; exit 2; }
done
log_dir="${log_dir:-$(mktemp -d)}"
mkdir -p "$log_dir"

# Each helper runs in its own process group (set -m) so one kill stops it and its children.
set -m
helpers=()
stop_helpers() {
  for pid in "${helpers[@]}"; do kill -- "-$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_helpers EXIT
trap 'exit 130' INT TERM

busy=$(($(nproc) * per_core))
for _ in $(seq "$busy"); do
  bash -c 'while :; do :; done' &
  helpers+=("$!")
done
if [[ -n "$also" ]]; then
  # shellcheck disable=SC2016
  bash -c 'while :; do eval "$1" >/dev/null 2>&1 || true; done' _ "$also" &
  helpers+=("$!")
fi
# Steps of the wall clock against the monotonic clock (NTP stepping, a VM clock correction), one
# line each: a store judging deadlines by the wall clock sees a record expire early across a
# forward step, so each run's line says whether one happened (core README, "Clocks and expiry").
clock_log="$log_dir/wall-clock-steps.log"
: >"$clock_log"
# shellcheck disable=SC2016
node -e '
  // The wall reading bracketed by two monotonic ones: a preemption between them is no step.
  const offset = () => {
    for (;;) {
      const before = performance.now();
      const wall = Date.now();
      const after = performance.now();
      if (after - before < 1) return wall - (performance.timeOrigin + (before + after) / 2);
    }
  };
  let last = offset();
  setInterval(() => {
    const now = offset();
    if (Math.abs(now - last) >= 20)
      require("node:fs").appendFileSync(process.argv[1], `${new Date().toISOString()} ${Math.round(now - last)}\n`);
    last = now;
  }, 100);
' "$clock_log" &
helpers+=("$!")
echo "== stress: $busy busy processes on $(nproc) cores${also:+, and \"$also\" in a loop}; logs in $log_dir"

if [[ $# -eq 0 ]]; then
  # In the background and waited for, so a signal stops the load at once.
  sleep "$seconds" &
  wait $!
  echo "== stress: load average $(cut -d' ' -f1-3 /proc/loadavg)"
  exit 0
fi

failed=0
for run in $(seq "$repeat"); do
  log="$log_dir/run-$run.log"
  steps_before=$(wc -l <"$clock_log")
  status=0
  "$@" >"$log" 2>&1 &
  helpers+=("$!")
  wait $! || status=$?
  [[ $status -eq 0 ]] || failed=$((failed + 1))
  # The last summary line a suite printed (CLI or Vitest), without colours.
  summary=$(sed -E 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '[0-9]+ passed|Tests +[0-9]' | tail -n 1 || true)
  # Timed checkpoints a stalled machine left unprovable (the conformance report names each).
  stalled=$(grep -c 'checkpoint skipped\|machine stalled' "$log" || true)
  # The largest step of the wall clock during the run, as the sampler above logged it.
  clock=$(tail -n +"$((steps_before + 1))" "$clock_log" | awk '
    { n++; if ($2 * $2 > big * big) big = $2 }
    END { print n ? n " wall-clock steps (largest " big " ms)" : "no wall-clock step" }')
  echo "run $run/$repeat: exit $status; ${summary:-no summary}; $stalled stall skips; $clock; load $(cut -d' ' -f1 /proc/loadavg)"
done
echo "== stress: $((repeat - failed)) of $repeat runs exited 0"
[[ $failed -eq 0 ]]
