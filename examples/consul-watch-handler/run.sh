#!/usr/bin/env bash
# Consul watch handler: Consul runs `kvexpress out` whenever kvexpress/hosts/checksum changes, passing the
# KV pair as JSON on stdin and CONSUL_INDEX in the environment. The consul binary cannot be installed
# here, so this script invokes the handler the way Consul does: the args from watches.json, JSON on stdin.
source "$(cd "$(dirname "$0")/.." && pwd)/lib.sh"
here="$root/examples/consul-watch-handler"
start_agent
file="$work/etc/hosts.consul"
reloads="$work/reloads"
# The handler's argv from watches.json, with the file and reload pointed at this scratch directory.
handler() {
  "$kvexpress" out -k hosts -f "$file" -m 0644 -e "echo reload >> $reloads" --splay 200ms --soft
}

step "publish, then fire the handler as Consul would (stdin: the KV pair as JSON; CONSUL_INDEX set)"
"$kvexpress" in -k hosts < "$root/templates/hosts.rendered"
sum=$(curl -s "http://$CONSUL_HTTP_ADDR/v1/kv/kvexpress/hosts/checksum?raw")
printf '{"Key":"kvexpress/hosts/checksum","CreateIndex":2,"ModifyIndex":2,"LockIndex":0,"Flags":0,"Value":"%s","Session":""}\n' \
  "$(printf %s "$sum" | base64 -w0)" | CONSUL_INDEX=2 handler
expect "file written" test -s "$file"
expect "reloaded once" test "$(wc -l < "$reloads")" -eq 1

step "Consul fires the handler again with nothing new (it always fires once at start): a cheap no-op"
echo null | CONSUL_INDEX=2 handler 2> "$work/noop.log"
expect "no-op" grep -q "result=current" "$work/noop.log"
expect "no second reload" test "$(wc -l < "$reloads")" -eq 1

step "the watch definitions this mirrors"
cat "$here/watches.json"
echo "consul watch -type=key -key=kvexpress/hosts/checksum kvexpress out -k hosts -f /etc/hosts.consul --soft"
step "done"
