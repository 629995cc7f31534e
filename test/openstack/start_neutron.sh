#!/bin/bash
# Start a real OpenStack Neutron server (Debian bookworm, Zed 2:21.x) on loopback, from a fresh state.
# gluon-net's copy of the shared test-env recipe; test/setup/neutron.ts runs it with its own temp
# N_DIR and a free N_PORT, and stops the printed PID itself.
# Prereq (once): install_neutron.sh (beside this file; root) installs neutron-server.
# ML2 core plugin, no service plugins, no agents,
# no RabbitMQ (transport_url = fake://), sqlite DB (schema from models + 'stamp heads',
# because the alembic migrations do not run on sqlite).
# Then creates GluonNetwork (local, shared) + GluonSubnet (0.0.0.0/1, no gateway, no dhcp).
# Prints the neutron-server parent PID on the last line of stdout (also in $N_DIR/neutron-server.pid).
# Env: N_DIR (default ${TMPDIR:-/tmp}/gluon-testenv/neutron), N_PORT (9797),
#      NEUTRON_AUTH = noauth (default) | keystone  (keystone: needs start_keystone.sh running first)
#      KS_URL (http://127.0.0.1:35357), KS_ADMIN_PASSWORD (secret), NEUTRON_TOKEN_CACHE_TIME (300; -1 = off)
set -euo pipefail
N_DIR=${N_DIR:-${TMPDIR:-/tmp}/gluon-testenv/neutron}
N_PORT=${N_PORT:-9797}
N_HOST=127.0.0.1
NEUTRON_AUTH=${NEUTRON_AUTH:-noauth}
KS_URL=${KS_URL:-http://127.0.0.1:35357}
KS_ADMIN_PASSWORD=${KS_ADMIN_PASSWORD:-secret}
NEUTRON_TOKEN_CACHE_TIME=${NEUTRON_TOKEN_CACHE_TIME:-300}
URL=http://$N_HOST:$N_PORT
PY=/usr/bin/python3   # the Debian interpreter, not a pyenv/venv python
SERVICE=neutron
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --- stop a previous instance started by this script (only that PID; workers exit with it) ---
stop_ours "$N_DIR/neutron-server.pid" "$N_DIR/neutron.conf"
require_free_port "$N_HOST" "$N_PORT"

rm -rf "$N_DIR"; mkdir -p "$N_DIR/state" "$N_DIR/lock"
cp /etc/neutron/api-paste.ini "$N_DIR/api-paste.ini"

cat > "$N_DIR/neutron.conf" <<EOF
[DEFAULT]
bind_host = $N_HOST
bind_port = $N_PORT
core_plugin = ml2
service_plugins =
auth_strategy = $NEUTRON_AUTH
# api_workers = 0: the API is served by the parent process itself (eventlet wsgi)
api_workers = 0
rpc_workers = 0
rpc_state_report_workers = 0
# oslo.messaging in-process fake driver: no RabbitMQ needed (no agents anyway)
transport_url = fake://
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
dhcp_agent_notification = false
api_paste_config = $N_DIR/api-paste.ini
state_path = $N_DIR/state
log_file = $N_DIR/neutron-server.log
debug = false

[database]
connection = sqlite:///$N_DIR/neutron.sqlite

[oslo_concurrency]
lock_path = $N_DIR/lock
EOF

cat > "$N_DIR/ml2_conf.ini" <<EOF
[ml2]
type_drivers = local,flat,vlan
tenant_network_types = local
# no mechanism drivers: binding:host_id => binding:vif_type "binding_failed"
mechanism_drivers =
extension_drivers = port_security

[ml2_type_flat]
flat_networks = *

[securitygroup]
enable_security_group = true
EOF

t0=$(now_ms)
if [ "$NEUTRON_AUTH" = keystone ]; then
  # service user neutron/neutron-secret in project "service" with role admin (to validate tokens)
  KTOK=$(curl -s -D - -o /dev/null -X POST $KS_URL/v3/auth/tokens -H 'Content-Type: application/json' \
    -d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"id":"default"},"password":"'$KS_ADMIN_PASSWORD'"}}},"scope":{"project":{"name":"admin","domain":{"id":"default"}}}}}' \
    | awk 'tolower($1)=="x-subject-token:"{print $2}' | tr -d '\r')
  [ -n "$KTOK" ] || { log "keystone not reachable at $KS_URL"; exit 1; }
  jget() { $PY -c 'import sys,json;d=json.load(sys.stdin);print(eval("d"+sys.argv[1]))' "$1"; }
  SP=$(curl -s "$KS_URL/v3/projects?name=service" -H "X-Auth-Token: $KTOK" | jget '["projects"][0]["id"] if d["projects"] else ""')
  [ -n "$SP" ] || SP=$(curl -s -X POST $KS_URL/v3/projects -H "X-Auth-Token: $KTOK" -H 'Content-Type: application/json' \
        -d '{"project":{"name":"service","domain_id":"default"}}' | jget '["project"]["id"]')
  NU=$(curl -s "$KS_URL/v3/users?name=neutron" -H "X-Auth-Token: $KTOK" | jget '["users"][0]["id"] if d["users"] else ""')
  [ -n "$NU" ] || NU=$(curl -s -X POST $KS_URL/v3/users -H "X-Auth-Token: $KTOK" -H 'Content-Type: application/json' \
        -d '{"user":{"name":"neutron","domain_id":"default","password":"neutron-secret"}}' | jget '["user"]["id"]')
  AR=$(curl -s "$KS_URL/v3/roles?name=admin" -H "X-Auth-Token: $KTOK" | jget '["roles"][0]["id"]')
  curl -s -f -o /dev/null -X PUT $KS_URL/v3/projects/$SP/users/$NU/roles/$AR -H "X-Auth-Token: $KTOK"
  cat >> "$N_DIR/neutron.conf" <<EOF

[keystone_authtoken]
www_authenticate_uri = $KS_URL
auth_url = $KS_URL
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = neutron
password = neutron-secret
# in-process token cache (no memcached); -1 disables it (every request re-validates)
token_cache_time = $NEUTRON_TOKEN_CACHE_TIME
EOF
  log "keystone service user ready"
fi

C="--config-file $N_DIR/neutron.conf --config-file $N_DIR/ml2_conf.ini"
$PY - "sqlite:///$N_DIR/neutron.sqlite" <<'EOF'
import sys, sqlalchemy as sa
from neutron.db.migration.models import head   # all models (core, ml2, extensions)
head.get_metadata().create_all(sa.create_engine(sys.argv[1]))
EOF
neutron-db-manage $C stamp heads >"$N_DIR/db-manage.log" 2>&1
t1=$(now_ms); log "schema create_all + stamp heads: $((t1-t0))ms"

setsid neutron-server $C </dev/null >"$N_DIR/server.stdout" 2>&1 &
PID=$!
echo "$PID" > "$N_DIR/neutron-server.pid"
wait_http_200 "$URL/" "$PID" "$N_DIR/neutron-server.log"
t2=$(now_ms); log "neutron-server up: $((t2-t1))ms"

# --- GluonNetwork / GluonSubnet (as admin) ---
if [ "$NEUTRON_AUTH" = keystone ]; then AUTH=(-H "X-Auth-Token: $KTOK"); else AUTH=(); fi
NET=""
for _ in 1 2 3 4 5; do   # retry: guards against a transient 503 from keystonemiddleware (keystone unreachable)
  NET=$(curl -s -X POST $URL/v2.0/networks "${AUTH[@]}" -H 'Content-Type: application/json' \
    -d '{"network":{"name":"GluonNetwork","provider:network_type":"local","shared":true}}' \
    | $PY -c 'import sys,json;print(json.load(sys.stdin)["network"]["id"])' 2>/dev/null) && [ -n "$NET" ] && break
  sleep 1
done
[ -n "$NET" ] || { log "could not create GluonNetwork"; exit 1; }
SUB=$(curl -s -X POST $URL/v2.0/subnets "${AUTH[@]}" -H 'Content-Type: application/json' \
  -d '{"subnet":{"name":"GluonSubnet","network_id":"'$NET'","ip_version":4,"cidr":"0.0.0.0/1","gateway_ip":null,"enable_dhcp":false}}' \
  | $PY -c 'import sys,json;print(json.load(sys.stdin)["subnet"]["id"])')
echo "network=$NET subnet=$SUB" > "$N_DIR/seed.txt"
t3=$(now_ms); log "GluonNetwork=$NET GluonSubnet=$SUB; total $((t3-t0))ms (auth=$NEUTRON_AUTH, url $URL)"
echo "$PID"
