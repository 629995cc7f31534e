#!/bin/bash
# Stop ONLY the servers started by start_keystone.sh / start_neutron.sh (pidfile + cmdline check).
# For manual runs of the recipe; the test set-up (test/setup/neutron.ts, keystone.ts) stops its own by PID.
KS_DIR=${KS_DIR:-${TMPDIR:-/tmp}/gluon-testenv/keystone}; N_DIR=${N_DIR:-${TMPDIR:-/tmp}/gluon-testenv/neutron}
SERVICE=stop_all
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
stop_ours "$N_DIR/neutron-server.pid" "$N_DIR/neutron.conf"
stop_ours "$KS_DIR/uwsgi.pid" "$KS_DIR/uwsgi.ini"
