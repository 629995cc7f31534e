#!/bin/bash
# Install Debian's OpenStack clients (the `openstack` CLI and openstacksdk, bookworm/Zed)
# non-interactively. Needs root. Used by test/setup/openstack-client.ts when they are missing.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=900 update -qq
apt-get -o DPkg::Lock::Timeout=900 -o Dpkg::Options::=--force-unsafe-io install -y -qq --no-install-recommends \
  python3-openstackclient python3-openstacksdk >/dev/null
