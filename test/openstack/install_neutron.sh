#!/bin/bash
# Install a real Neutron server (Debian bookworm, OpenStack Zed: neutron-server = neutron-api +
# neutron-rpc-server + neutron-common + python3-neutron) non-interactively, WITHOUT starting any
# service and without any DB/rabbit/keystone/nova debconf actions. Needs root.
# Used by test/setup/neutron.ts when /usr/bin/neutron-server is missing.
# (gluon-net copy of shared/testenv/install_packages.sh, neutron part; keystone: install_packages.sh)
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if [ ! -e /usr/sbin/policy-rc.d ]; then
  # maintainer scripts call invoke-rc.d ... start: forbid it while we install
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
command -v debconf-set-selections >/dev/null && debconf-set-selections <<'SEL'
neutron-common neutron/configure_db boolean false
neutron-common neutron/configure_rabbit boolean false
neutron-common neutron/configure_ksat boolean false
neutron-common neutron/configure_nova boolean false
neutron-api neutron/configure_api-endpoint boolean false
SEL
t0=$(date +%s)
apt-get -o DPkg::Lock::Timeout=900 update -qq
apt-get -o DPkg::Lock::Timeout=900 -o Dpkg::Options::=--force-unsafe-io install -y -qq --no-install-recommends \
  neutron-server curl >/dev/null
echo "neutron-server installed in $(( $(date +%s) - t0 ))s" >&2
