#!/bin/bash
# Shared by start_keystone.sh, start_neutron.sh and stop_all.sh (sourced, not run).
# The caller sets SERVICE (the log prefix) and its own `set -euo pipefail`.

# log MESSAGE...: a timestamped line on stderr (stdout carries only the PID).
log() { echo "[${SERVICE:-openstack} $(date +%T)] $*" >&2; }

# now_ms: milliseconds since the epoch, for the timing lines.
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# stop_ours PIDFILE MARKER: stops the process named in PIDFILE, but only when its command
# line contains MARKER (its own config file), so a reused PID is never hit: SIGTERM, up to
# 10 s for it to go, then SIGKILL. Returns 0 when there was nothing to stop.
stop_ours() {
  [ -f "$1" ] || return 0
  local pid
  pid=$(cat "$1")
  [ -n "$pid" ] && grep -q "$2" "/proc/$pid/cmdline" 2>/dev/null || return 0
  log "stopping pid $pid ($2)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  log "pid $pid did not stop; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
}

# require_free_port HOST PORT: exits 1 when something already listens there.
require_free_port() {
  if (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; then
    log "port $2 already in use by someone else"; exit 1
  fi
}

# wait_http_200 URL PID LOGFILE: polls URL until it answers 200 (60 s at most); exits 1
# naming LOGFILE when process PID dies first.
wait_http_200() {
  for _ in $(seq 1 240); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "$1" 2>/dev/null)" = 200 ]; then return 0; fi
    kill -0 "$2" 2>/dev/null || { log "$SERVICE died; see $3"; exit 1; }
    sleep 0.25
  done
}
