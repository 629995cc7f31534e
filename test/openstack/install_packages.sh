#!/bin/bash
# Install real Keystone (Debian bookworm, OpenStack Zed) non-interactively, WITHOUT starting
# any service and without any DB/keystone-registration debconf actions. Needs root.
# (gluon-net copy of shared/testenv/install_packages.sh, keystone only.)
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
CREATED_POLICY=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; CREATED_POLICY=1
fi
command -v debconf-set-selections >/dev/null && debconf-set-selections <<'SEL'
keystone keystone/configure_db boolean false
keystone keystone/create-admin-tenant boolean false
keystone keystone/register-endpoint boolean false
SEL
apt-get -o DPkg::Lock::Timeout=900 update -qq
apt-get -o DPkg::Lock::Timeout=900 -o Dpkg::Options::=--force-unsafe-io install -y -qq --no-install-recommends \
  keystone curl >/dev/null
[ "$CREATED_POLICY" = 1 ] && rm -f /usr/sbin/policy-rc.d
exit 0
