#!/usr/bin/env bash
# Ad hoc push to every node with `consul exec`: Consul runs the same command on each node. The consul
# binary cannot be installed here, so this script runs that command as three simulated nodes would,
# each with its own hostname and file, one of them locked.
source "$(cd "$(dirname "$0")/.." && pwd)/lib.sh"
start_agent
"$kvexpress" in -k hosts < "$root/templates/hosts.rendered"
nodes=(web-1 web-2 web-3)
"$kvexpress" lock -f "$work/web-2/hosts.consul" --hostname web-2 -r "debugging dns on web-2" > /dev/null

step "consul exec -service web 'kvexpress out -k hosts -f /etc/hosts.consul --soft' (on each node)"
for node in "${nodes[@]}"; do
  "$kvexpress" out -k hosts -f "$work/$node/hosts.consul" --hostname "$node" --soft 2>&1 | sed "s/^/[$node] /"
done
expect "web-1 applied" test -s "$work/web-1/hosts.consul"
expect "web-2 locked, untouched" test ! -e "$work/web-2/hosts.consul"
expect "web-3 applied" test -s "$work/web-3/hosts.consul"
step "done"
