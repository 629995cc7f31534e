#!/bin/bash
# Start a real OpenStack Keystone (Debian bookworm, Zed 2:22.x) on loopback, from a fresh state.
# gluon-net copy of shared/testenv/start_keystone.sh. Seeds what the Gluon side needs itself: the
# "service" project, the service accounts gluon (roles service + admin: the Proton servers' and the
# arbiter's account) and neutron (admin: keystonemiddleware of Neutron), and the "network" service
# with its endpoints at KS_NETWORK_URL: the Neutron API clients should use, i.e. the facade
# (`gluon arbiter`). test/setup/keystone.ts adds the test users and projects over REST.
# Prereq (once): DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends keystone
# (see install_packages.sh (beside this file)). Serves with uwsgi (no apache), sqlite DB, fernet tokens.
# Prints the uwsgi master PID on the last line of stdout (also in $KS_DIR/uwsgi.pid).
# Env: KS_DIR (default ${TMPDIR:-/tmp}/gluon-testenv/keystone), KS_PORT (35357), KS_ADMIN_PASSWORD (secret),
#      KS_GLUON_PASSWORD (gluon-secret), KS_NEUTRON_PASSWORD (neutron-secret),
#      KS_NETWORK_URL (http://127.0.0.1:9697, where `gluon arbiter` listens by default; "" = no network service)
set -euo pipefail
KS_DIR=${KS_DIR:-${TMPDIR:-/tmp}/gluon-testenv/keystone}
KS_PORT=${KS_PORT:-35357}
KS_HOST=127.0.0.1
KS_ADMIN_PASSWORD=${KS_ADMIN_PASSWORD:-secret}
KS_GLUON_PASSWORD=${KS_GLUON_PASSWORD:-gluon-secret}
KS_NEUTRON_PASSWORD=${KS_NEUTRON_PASSWORD:-neutron-secret}
KS_NETWORK_URL=${KS_NETWORK_URL-http://127.0.0.1:9697}
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

# --- seed the service project, the service accounts and the network service (idempotent) ---
KTOK=$(curl -s -D - -o /dev/null -X POST "$URL/v3/auth/tokens" -H 'Content-Type: application/json' \
  -d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"id":"default"},"password":"'"$KS_ADMIN_PASSWORD"'"}}},"scope":{"project":{"name":"admin","domain":{"id":"default"}}}}}' \
  | awk 'tolower($1)=="x-subject-token:"{print $2}' | tr -d '\r')
[ -n "$KTOK" ] || { log "cannot get an admin token from $URL"; exit 1; }
# ks METHOD PATH [JSON]: one Keystone v3 call as admin, the answer on stdout
ks() {
  local args=(-s -f -X "$1" "$URL/v3$2" -H "X-Auth-Token: $KTOK" -H 'Content-Type: application/json')
  [ $# -lt 3 ] || args+=(-d "$3")
  curl "${args[@]}"
}
# first_id COLLECTION: the id of the first item of a list answer ("" when none)
first_id() { /usr/bin/python3 -c 'import sys,json;l=json.load(sys.stdin)[sys.argv[1]];print(l[0]["id"] if l else "")' "$1"; }
# ensure COLLECTION SINGULAR QUERY JSON: the id of the item the query finds, created from JSON when none
ensure() {
  local id
  id=$(ks GET "/$1?$3" | first_id "$1")
  [ -n "$id" ] || id=$(ks POST "/$1" "$4" | /usr/bin/python3 -c 'import sys,json;print(json.load(sys.stdin)[sys.argv[1]]["id"])' "$2")
  echo "$id"
}
SERVICE_PROJECT=$(ensure projects project "name=service" '{"project":{"name":"service","domain_id":"default"}}')
ADMIN_ROLE=$(ensure roles role "name=admin" '{"role":{"name":"admin"}}')
SERVICE_ROLE=$(ensure roles role "name=service" '{"role":{"name":"service"}}')
GLUON_USER=$(ensure users user "name=gluon" '{"user":{"name":"gluon","domain_id":"default","password":"'"$KS_GLUON_PASSWORD"'","default_project_id":"'"$SERVICE_PROJECT"'"}}')
NEUTRON_USER=$(ensure users user "name=neutron" '{"user":{"name":"neutron","domain_id":"default","password":"'"$KS_NEUTRON_PASSWORD"'","default_project_id":"'"$SERVICE_PROJECT"'"}}')
ks PUT "/projects/$SERVICE_PROJECT/users/$GLUON_USER/roles/$SERVICE_ROLE" >/dev/null
ks PUT "/projects/$SERVICE_PROJECT/users/$GLUON_USER/roles/$ADMIN_ROLE" >/dev/null
ks PUT "/projects/$SERVICE_PROJECT/users/$NEUTRON_USER/roles/$ADMIN_ROLE" >/dev/null
if [ -n "$KS_NETWORK_URL" ]; then
  NETWORK=$(ensure services service "type=network" '{"service":{"name":"neutron","type":"network","description":"Neutron API (the Gluon facade)"}}')
  for iface in public internal admin; do
    [ -n "$(ks GET "/endpoints?service_id=$NETWORK&interface=$iface" | first_id endpoints)" ] ||
      ks POST /endpoints '{"endpoint":{"service_id":"'"$NETWORK"'","interface":"'"$iface"'","region_id":"RegionOne","url":"'"$KS_NETWORK_URL"'"}}' >/dev/null
  done
fi
t3=$(now_ms); log "seeded project service, users gluon and neutron, network endpoint ${KS_NETWORK_URL:-none}: $((t3-t2))ms"
log "auth url $URL/v3  admin/$KS_ADMIN_PASSWORD (project admin)"
echo "$PID"
