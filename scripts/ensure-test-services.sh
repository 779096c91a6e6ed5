#!/usr/bin/env bash
# Makes sure the real components the tests use are installed and running on loopback:
# PostgreSQL on 127.0.0.1:5432 (trust auth for user postgres) and Redis on 127.0.0.1:6379.
# Kea (kea-dhcp4, kea-ctrl-agent), ISC dhcpd (isc-dhcp-server) and OpenSSH's sshd are only installed: the protocol
# tests start their own instances on loopback (test/support/), so the packaged services must not run.
# Installs Debian packages only when missing (apt-get update once), starts services only when down.
set -euo pipefail

packages=()
command -v pg_ctlcluster >/dev/null 2>&1 || packages+=(postgresql postgresql-client)
command -v redis-server >/dev/null 2>&1 || packages+=(redis-server)
# The ISC failover-pair tests run dhcpd in network namespaces they create (dhcpd will not serve on lo).
[[ -x /usr/sbin/ip ]] || packages+=(iproute2)
daemon_packages=()
[[ -x /usr/sbin/kea-dhcp4 ]] || daemon_packages+=(kea-dhcp4-server)
[[ -x /usr/sbin/kea-ctrl-agent ]] || daemon_packages+=(kea-ctrl-agent)
[[ -x /usr/sbin/dhcpd ]] || daemon_packages+=(isc-dhcp-server)
[[ -x /usr/sbin/sshd ]] || daemon_packages+=(openssh-server)
missing=("${packages[@]}" "${daemon_packages[@]}")
if ((${#missing[@]} > 0)); then
  echo "ensure-test-services: installing ${missing[*]}"
  apt-get update
fi
if ((${#packages[@]} > 0)); then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}"
fi
if ((${#daemon_packages[@]} > 0)); then
  # The packages' postinst starts their daemons (kea-dhcp4, kea-ctrl-agent on 127.0.0.1:8000, dhcpd, sshd on
  # port 22) through invoke-rc.d, and the install fails if that start fails. A policy-rc.d answering 101 ("action
  # forbidden") keeps them from starting; an existing policy-rc.d (Docker images ship one) is left alone.
  policy=/usr/sbin/policy-rc.d
  added_policy=
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    added_policy=1
  fi
  status=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${daemon_packages[@]}" || status=$?
  [[ -z $added_policy ]] || rm -f "$policy"
  ((status == 0)) || exit "$status"
  # If a packaged service was started anyway (an existing policy-rc.d allowed it), stop it through its init
  # script, which kills by the PID in /run/<service>.pid (bounded: TERM, 30 s, KILL).
  for service in kea-dhcp4-server kea-ctrl-agent isc-dhcp-server ssh; do
    if [[ -x /etc/init.d/$service && -s /run/$service.pid ]]; then
      /etc/init.d/$service stop || true
    fi
  done
fi

wait_for() { # wait_for <what> <command...>: bounded to 30 s
  local what=$1; shift
  for _ in $(seq 1 60); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "ensure-test-services: $what did not come up" >&2
  return 1
}

if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  hba=/etc/postgresql/$version/main/pg_hba.conf
  # The tests connect as postgres over TCP without a password, as on the CI machines.
  if ! grep -qE '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$hba"; then
    sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
  fi
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_for PostgreSQL pg_isready -h 127.0.0.1 -p 5432 -q
fi

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for Redis redis-cli -h 127.0.0.1 -p 6379 ping
fi
