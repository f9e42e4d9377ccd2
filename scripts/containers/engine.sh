#!/usr/bin/env bash
# Makes a Docker engine answer on this machine, so Testcontainers has a runtime.
# Idempotent: does nothing when `docker info` already works.
#
# Why a hand-started dockerd: the CI machines are bare VMs without systemd, so
# the docker.io package installs but nothing starts it. We start it in the
# background and wait until it answers.
#
# Env:
#   SESSIONKV_DOCKERD_LOG      log file (default /var/log/sessionkv-dockerd.log)
#   SESSIONKV_DOCKERD_FLAGS    extra dockerd flags, tried before the fallbacks
#   SESSIONKV_DOCKERD_WAIT_S   seconds to wait for each start attempt (default 60)
set -euo pipefail

log() { echo "engine: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

LOG_FILE="${SESSIONKV_DOCKERD_LOG:-/var/log/sessionkv-dockerd.log}"
WAIT_S="${SESSIONKV_DOCKERD_WAIT_S:-60}"
PID_FILE=/var/run/docker.pid

answers() { docker info >/dev/null 2>&1; }

if command -v docker >/dev/null 2>&1 && answers; then
  log "docker already answers ($(docker version -f '{{.Server.Version}}' 2>/dev/null || echo '?'))"
  exit 0
fi

[ "$(id -u)" = 0 ] || die "not root: cannot install or start dockerd; start a Docker engine yourself"

# Debian's docker.io brings dockerd, containerd, runc, tini (docker-init) and iptables.
# No recommends: apparmor/needrestart are useless here and slow the install.
if ! command -v dockerd >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || die "dockerd missing and no apt-get to install it"
  log "installing docker.io from Debian"
  export DEBIAN_FRONTEND=noninteractive
  # A broken third-party source must not stop us: Debian's own lists are what we need.
  apt-get -o DPkg::Lock::Timeout=600 update -qq || log "apt-get update reported errors; trying the install anyway"
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends docker.io >/dev/null ||
    die "apt-get install docker.io failed"
fi
command -v docker >/dev/null 2>&1 || die "no docker client on PATH"

# Bare VMs sometimes boot without cgroups mounted; runc needs them.
if [ -d /sys/fs/cgroup ] && [ -z "$(ls -A /sys/fs/cgroup 2>/dev/null)" ]; then
  log "mounting cgroup2 on /sys/fs/cgroup"
  mount -t cgroup2 none /sys/fs/cgroup || log "could not mount cgroup2 (continuing)"
fi

wait_for_engine() { # $1 = pid of the dockerd we started (or of a running one)
  local pid="$1" i
  for ((i = 0; i < WAIT_S * 2; i++)); do
    answers && return 0
    kill -0 "$pid" 2>/dev/null || return 1 # dockerd exited: try the next flag set
    sleep 0.5
  done
  return 2
}

# A dockerd may already be starting (e.g. a concurrent provision): wait for it
# instead of starting a second one on the same socket.
if [ -s "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
  log "dockerd (pid $(cat "$PID_FILE")) is running; waiting for it to answer"
  wait_for_engine "$(cat "$PID_FILE")" && { log "docker answers"; exit 0; }
  die "dockerd pid $(cat "$PID_FILE") runs but does not answer after ${WAIT_S}s; see $LOG_FILE"
fi

# Defaults work on Debian 12 VMs (overlay2 on ext4, iptables-nft, cgroup v1 or v2).
# The fallbacks cover hosts where overlayfs cannot stack (root on overlay) or
# where iptables is unusable (no netfilter modules): publishing ports on
# 127.0.0.1 still works through docker-proxy without iptables.
FLAG_SETS=()
[ -n "${SESSIONKV_DOCKERD_FLAGS:-}" ] && FLAG_SETS+=("$SESSIONKV_DOCKERD_FLAGS")
FLAG_SETS+=("" "--storage-driver=vfs" "--storage-driver=vfs --iptables=false --ip-masq=false")

mkdir -p "$(dirname "$LOG_FILE")"
for flags in "${FLAG_SETS[@]}"; do
  log "starting dockerd ${flags:-(default flags)}; log: $LOG_FILE"
  echo "=== $(date -u +%FT%TZ) dockerd $flags" >>"$LOG_FILE"
  first_line=$(wc -l <"$LOG_FILE")
  # setsid + nohup: dockerd must outlive this script and the CI step's shell.
  # shellcheck disable=SC2086
  setsid nohup dockerd $flags >>"$LOG_FILE" 2>&1 </dev/null &
  pid=$!
  rc=0
  wait_for_engine "$pid" || rc=$?
  if [ "$rc" = 0 ]; then
    log "docker answers (server $(docker version -f '{{.Server.Version}}' 2>/dev/null), flags: ${flags:-none})"
    exit 0
  fi
  if [ "$rc" = 2 ]; then
    kill "$pid" 2>/dev/null || true
    die "dockerd did not answer within ${WAIT_S}s; last log lines:
$(tail -n 20 "$LOG_FILE")"
  fi
  # Why it exited, from this attempt's part of the log only.
  why=$(tail -n "+$((first_line + 1))" "$LOG_FILE" | grep -E 'level=fatal|unknown flag|failed to start|Error' | tail -n 3)
  log "dockerd exited: ${why:-$(tail -n 3 "$LOG_FILE")}"
  rm -f "$PID_FILE"
done
die "dockerd failed with every flag set; see $LOG_FILE:
$(tail -n 20 "$LOG_FILE")"
