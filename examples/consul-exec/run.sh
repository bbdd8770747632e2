#!/usr/bin/env bash
# Ad hoc push to every node with real `consul exec`: three real Consul agents on this machine (web-1, a
# dev server, and web-2, web-3, client agents that join it) each run the command. All three share this
# machine, so each gets its own directory and node name in its environment, where a real node would use
# /etc/hosts.consul and its hostname. Consul is found or fetched by .ci/fetch-consul.
source "$(cd "$(dirname "$0")/.." && pwd)/lib.sh"
nodes=(web-1 web-2 web-3)
mkdir -p "$work/bin"
ln -s "$kvexpress" "$work/bin/kvexpress"
export PATH="$work/bin:$PATH"

step "three real Consul agents: web-1 (server), web-2 and web-3 (clients)"
for node in "${nodes[@]}"; do
  mode=client
  [ "$node" = web-1 ] && mode=dev
  KVEXPRESS_NODE=$node KVEXPRESS_NODE_DIR="$work/$node" start_consul "$node" "$mode"
done
export CONSUL_HTTP_ADDR
consul=$(bash "$root/.ci/fetch-consul")
for _ in $(seq 1 100); do [ "$("$consul" members 2> /dev/null | grep -c alive)" -eq 3 ] && break; sleep 0.1; done
"$consul" members

"$kvexpress" in -k hosts < "$root/templates/hosts.rendered"
"$kvexpress" lock -f "$work/web-2/hosts.consul" --hostname web-2 -r "debugging dns on web-2" > /dev/null

step "consul exec 'kvexpress out -k hosts -f /etc/hosts.consul --soft' (here: each node's own path and name)"
"$consul" exec 'kvexpress out -k hosts -f "$KVEXPRESS_NODE_DIR/hosts.consul" --hostname "$KVEXPRESS_NODE" --soft' \
  2>&1 | tee "$work/exec.log"
expect "web-1 applied" test -s "$work/web-1/hosts.consul"
expect "web-2 locked, untouched" test ! -e "$work/web-2/hosts.consul"
expect "web-3 applied" test -s "$work/web-3/hosts.consul"
expect "web-2 said why" grep -q "web-2.*halted reason=locked" "$work/exec.log"
step "done"
