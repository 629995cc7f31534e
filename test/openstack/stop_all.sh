#!/bin/bash
# Stop ONLY the servers started by start_keystone.sh / start_neutron.sh (pidfile + cmdline check).
# For manual runs of the recipe; the test set-up (test/setup/neutron.ts, keystone.ts) stops its own by PID.
KS_DIR=${KS_DIR:-${TMPDIR:-/tmp}/gluon-testenv/keystone}; N_DIR=${N_DIR:-${TMPDIR:-/tmp}/gluon-testenv/neutron}
stop() { # pidfile  cmdline-marker
  [ -f "$1" ] || return 0; p=$(cat "$1")
  if [ -n "$p" ] && grep -q "$2" "/proc/$p/cmdline" 2>/dev/null; then
    kill -TERM "$p"; for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$p" 2>/dev/null && { echo "pid $p did not stop; sending SIGKILL" >&2; kill -KILL "$p"; }
    echo "stopped $p"
  fi
}
stop "$N_DIR/neutron-server.pid" "$N_DIR/neutron.conf"
stop "$KS_DIR/uwsgi.pid" "$KS_DIR/uwsgi.ini"
