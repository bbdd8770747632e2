#!/usr/bin/env bash
# Quickstart: build kvexpress, start the dev agent, publish a rendered hosts file with `in`,
# apply it with `out`, show the result, stop the agent. Needs only a JDK 17+ and Maven.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
if [ "${KVEXPRESS_SKIP_BUILD:-}" != 1 ]; then
  echo "==> building target/kvexpress.jar"
  mvn -B -q -DskipTests package
fi
kvx="$root/bin/kvexpress"
work=$(mktemp -d)
agent_pid=
cleanup() {
  if [ -n "$agent_pid" ]; then kill "$agent_pid" 2>/dev/null || true; wait "$agent_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "==> starting the dev agent (in memory, not Consul) on a free port"
"$kvx" dev-agent --http-addr 127.0.0.1:0 --addr-file "$work/addr" > "$work/agent.log" 2>&1 &
agent_pid=$!
for _ in $(seq 1 100); do [ -s "$work/addr" ] && break; sleep 0.1; done
export CONSUL_HTTP_ADDR=$(cat "$work/addr")
echo "    CONSUL_HTTP_ADDR=$CONSUL_HTTP_ADDR"

echo "==> kvexpress in: publishing templates/hosts.rendered (what consul-template renders from templates/hosts.ctmpl)"
"$kvx" in -k hosts < templates/hosts.rendered

echo "==> kvexpress out: applying it to $work/etc/hosts.consul"
"$kvx" out -k hosts -f "$work/etc/hosts.consul" -m 0644 -e 'echo "    (reload would run here: pkill -HUP dnsmasq)"'

echo "==> the file on this node:"
cat "$work/etc/hosts.consul"

echo "==> publishing the same content again is a no-op:"
"$kvx" in -k hosts < templates/hosts.rendered
echo "==> done"
