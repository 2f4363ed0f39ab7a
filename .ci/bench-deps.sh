#!/usr/bin/env bash
# Installs what `npm run bench` compares warren against (idempotent): wrk, nginx, openssh (server + client),
# nsd (the reference authoritative DNS server of the DNS row).
# `npm run bench` runs it itself when something is missing; run it by hand to pre-install.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
[ -x /usr/sbin/nginx ] || need+=(nginx)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null 2>&1 && command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
[ -x /usr/sbin/nsd ] || need+=(nsd)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  # A policy-rc.d that says "no" keeps the packages' own services from starting:
  # the bench starts its own nginx, sshd and nsd, on loopback, with its own configs.
  own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    own_policy=1
  fi
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  if [ $own_policy = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
fi
