#!/usr/bin/env bash
# Quickstart: build kvexpress, start the dev agent, publish a rendered hosts file with `in`,
# apply it with `out`, show the result, stop the agent. Needs only a JDK 17+ and Maven.
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ "${KVEXPRESS_SKIP_BUILD:-}" != 1 ]; then
  echo "==> building target/kvexpress.jar"
  (cd "$root" && mvn -B -q -DskipTests package)
fi
source "$root/examples/lib.sh"
cd "$root"

step "starting the dev agent (in memory, not Consul) on a free port"
start_agent
echo "CONSUL_HTTP_ADDR=$CONSUL_HTTP_ADDR"

step "kvexpress in: publishing templates/hosts.rendered (what consul-template renders from templates/hosts.ctmpl)"
"$kvexpress" in -k hosts < templates/hosts.rendered

step "kvexpress out: applying it to $work/etc/hosts.consul"
"$kvexpress" out -k hosts -f "$work/etc/hosts.consul" -m 0644 -e 'echo "(reload would run here: pkill -HUP dnsmasq)"'

step "the file on this node"
cat "$work/etc/hosts.consul"
expect "the file has the 11 distinct host lines" test "$(wc -l < "$work/etc/hosts.consul")" -eq 11

step "publishing the same content again is a no-op"
"$kvexpress" in -k hosts < templates/hosts.rendered 2>&1 | tee "$work/again.log"
expect "second publish is unchanged" grep -q "result=unchanged" "$work/again.log"
step "done"
