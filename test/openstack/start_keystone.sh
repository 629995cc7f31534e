#!/bin/bash
# Start a real OpenStack Keystone (Debian bookworm, Zed 2:22.x) on loopback, from a fresh state.
# gluon-net copy of shared/testenv/start_keystone.sh: no seeding here (test/setup/keystone.ts seeds over REST).
# Prereq (once): DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends keystone
# (see install_packages.sh (beside this file)). Serves with uwsgi (no apache), sqlite DB, fernet tokens.
# Prints the uwsgi master PID on the last line of stdout (also in $KS_DIR/uwsgi.pid).
# Env: KS_DIR (default ${TMPDIR:-/tmp}/gluon-testenv/keystone), KS_PORT (35357), KS_ADMIN_PASSWORD (secret)
set -euo pipefail
KS_DIR=${KS_DIR:-${TMPDIR:-/tmp}/gluon-testenv/keystone}
KS_PORT=${KS_PORT:-35357}
KS_HOST=127.0.0.1
KS_ADMIN_PASSWORD=${KS_ADMIN_PASSWORD:-secret}
URL=http://$KS_HOST:$KS_PORT
SERVICE=keystone
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --- stop a previous instance started by this script (only that PID) ---
stop_ours "$KS_DIR/uwsgi.pid" "$KS_DIR/uwsgi.ini"
require_free_port "$KS_HOST" "$KS_PORT"

# --- fresh state ---
rm -rf "$KS_DIR"; mkdir -p "$KS_DIR"
cat > "$KS_DIR/keystone.conf" <<EOF
[DEFAULT]
log_file = $KS_DIR/keystone.log
debug = false

[database]
connection = sqlite:///$KS_DIR/keystone.sqlite

[identity]
# bcrypt cost 4 instead of 12: password auth ~20 ms instead of ~400 ms (test only!)
password_hash_rounds = 4

[token]
provider = fernet
expiration = 3600

[fernet_tokens]
key_repository = $KS_DIR/fernet-keys

[fernet_receipts]
key_repository = $KS_DIR/fernet-keys

[credential]
key_repository = $KS_DIR/credential-keys

[cache]
# in-process dogpile cache: token validate ~15 ms instead of ~130 ms. Safe here because
# there is exactly one uwsgi worker (revocation still takes effect immediately).
enabled = true
backend = dogpile.cache.memory
EOF

# uwsgi: ONE process, ONE thread. sqlite + uwsgi threads => "SQLite objects created in a
# thread can only be used in that same thread" + leaked write lock => "database is locked" 500s.
cat > "$KS_DIR/uwsgi.ini" <<EOF
[uwsgi]
plugins = python3
http-socket = $KS_HOST:$KS_PORT
wsgi-file = /usr/bin/keystone-wsgi-public
env = OS_KEYSTONE_CONFIG_FILES=$KS_DIR/keystone.conf
master = true
processes = 1
threads = 1
lazy-apps = true
buffer-size = 65535
# uwsgi's http-socket closes the connection after every response but does not say so;
# clients that pool connections (python-requests/keystoneauth in keystonemiddleware, Node's
# keep-alive agent) then fail on reuse with RemoteDisconnected/ECONNRESET. Announce it:
add-header = Connection: close
die-on-term = true
need-app = true
pidfile = $KS_DIR/uwsgi.pid
logto = $KS_DIR/uwsgi.log
EOF

KM="keystone-manage --config-file $KS_DIR/keystone.conf"
# keystone-manage prints a harmless 'AttributeError: ... getcurrent' traceback at interpreter exit (eventlet + py3.11)
t0=$(now_ms)
$KM db_sync 2>>"$KS_DIR/manage.err"
$KM fernet_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)" 2>>"$KS_DIR/manage.err"
$KM credential_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)" 2>>"$KS_DIR/manage.err"
$KM bootstrap --bootstrap-password "$KS_ADMIN_PASSWORD" \
  --bootstrap-username admin --bootstrap-project-name admin \
  --bootstrap-role-name admin --bootstrap-service-name keystone \
  --bootstrap-admin-url "$URL/v3/" --bootstrap-public-url "$URL/v3/" \
  --bootstrap-internal-url "$URL/v3/" --bootstrap-region-id RegionOne 2>>"$KS_DIR/manage.err"
t1=$(now_ms); log "db_sync+fernet+credential+bootstrap: $((t1-t0))ms"

# --- start ---
setsid uwsgi --ini "$KS_DIR/uwsgi.ini" </dev/null >/dev/null 2>&1 &
PID=$!
echo "$PID" > "$KS_DIR/uwsgi.pid.launcher"
wait_http_200 "$URL/v3/" "$PID" "$KS_DIR/uwsgi.log"
t2=$(now_ms); log "uwsgi up: $((t2-t1))ms"

# Seeding (projects, users, roles) is done by the caller (test/setup/keystone.ts) over REST.
log "auth url $URL/v3  admin/$KS_ADMIN_PASSWORD (project admin)"
echo "$PID"
