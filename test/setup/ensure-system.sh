#!/usr/bin/env bash
# Brings this machine to what dploy's tests need: the Debian packages listed in
# .ci/packages.txt and running MariaDB and PostgreSQL. Idempotent and quick when
# everything is there. As root it installs/starts what is missing; otherwise it
# prints the exact commands to run and fails.
set -euo pipefail
cd "$(dirname "$0")/../.."

mapfile -t wanted < <(sed -e 's/#.*//' .ci/packages.txt | tr -s ' \t' '\n' | grep -v '^$' | sort -u)
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done

as_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "ensure-system: needs root for: $*" >&2
    exit 1
  fi
  "$@"
}

if [ ${#missing[@]} -gt 0 ]; then
  echo "ensure-system: installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "ensure-system: run as root: apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  # Packages such as isc-dhcp-server or tftpd-hpa would start their daemons on
  # real interfaces; the tests only run them by hand on loopback or in
  # namespaces, so keep invoke-rc.d from starting anything during install.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
  trap - EXIT
fi

# The TFTP burst test needs the listener's 4 MiB receive buffer, which the
# kernel caps at net.core.rmem_max (Debian's default 208 KiB; docs/tftp.md).
if [ "$(cat /proc/sys/net/core/rmem_max)" -lt 4194304 ]; then
  as_root sysctl -q -w net.core.rmem_max=4194304
fi

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {
  local name=$1 port=$2
  for _ in $(seq 1 60); do listening "$port" && return 0; sleep 0.5; done
  echo "ensure-system: $name did not come up on 127.0.0.1:$port" >&2
  exit 1
}

if ! listening 3306; then
  echo "ensure-system: starting MariaDB"
  as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  wait_for MariaDB 3306
fi
if ! listening 5432; then
  echo "ensure-system: starting PostgreSQL"
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  wait_for PostgreSQL 5432
fi

# The real OCS Inventory NG stack (communication server, console, REST API on
# 127.0.0.1:8408, database ocsweb) that the OCS platform tests run against.
# It installs packages and writes /etc/apache2, so it needs root; a non-root
# developer whose stack is already up goes on, otherwise gets the command.
if [ "$(id -u)" -eq 0 ]; then
  bash test/setup/ocs-stack.sh
elif ! curl -sf -o /dev/null "http://127.0.0.1:${OCS_PORT:-8408}/ocsreports/"; then
  echo "ensure-system: the OCS stack is down; run: sudo bash test/setup/ocs-stack.sh" >&2
  exit 1
fi

# dploy's native TFTP engine: `npm install` builds it, but on a fresh machine
# that runs before the C compiler above is installed. Rebuilding takes a
# fraction of a second; here a failed build is an error, not a fallback.
DPLOY_NATIVE_REQUIRED=1 node native/build.mjs
