#!/usr/bin/env bash
# Consul watch handler on a real Consul agent: the agent loads watches.json (the file this folder's README
# shows, with only the file path, the reload command and the splay pointed at this scratch directory),
# fires `kvexpress out` when kvexpress/hosts/checksum changes, and again on `consul reload`, where out
# finds the file current and does nothing. Consul is found or fetched by .ci/fetch-consul.
source "$(cd "$(dirname "$0")/.." && pwd)/lib.sh"
here="$root/examples/consul-watch-handler"
file="$work/etc/hosts.consul"
reloads="$work/reloads"
# The handler runs `kvexpress` from PATH, as on a node where the package installed it.
mkdir -p "$work/bin"
ln -s "$kvexpress" "$work/bin/kvexpress"
export PATH="$work/bin:$PATH"
sed -e "s|/etc/hosts.consul|$file|" -e "s|pkill -HUP dnsmasq|echo reload >> $reloads|" -e 's|"5s"|"200ms"|' \
  "$here/watches.json" > "$work/watches.json"

step "a real Consul agent with the watches from watches.json"
# The handler inherits the agent's environment, CONSUL_HTTP_ADDR included (on a node: 127.0.0.1:8500).
start_consul node-1 dev "$work/watches.json"
echo "$("$(bash "$root/.ci/fetch-consul")" version | head -1) at $CONSUL_HTTP_ADDR"

step "kvexpress in: publish; the agent's watch fires and runs kvexpress out"
"$kvexpress" in -k hosts < "$root/templates/hosts.rendered"
for _ in $(seq 1 100); do [ -s "$reloads" ] && break; sleep 0.1; done
expect "file written by the watch handler" test -s "$file"
expect "reloaded once" test "$(wc -l < "$reloads")" -eq 1
ls -l "$file"

step "consul reload: Consul fires every watch again; out finds the file current (no rewrite, no reload)"
inode=$(stat -c %i "$file")
"$(bash "$root/.ci/fetch-consul")" reload -http-addr="$CONSUL_HTTP_ADDR"
for _ in $(seq 1 100); do grep -q "result=current" "$work/consul-node-1/agent.log" && break; sleep 0.1; done
expect "the handler ran again and found the file current" grep -q "result=current" "$work/consul-node-1/agent.log"
expect "no second reload" test "$(wc -l < "$reloads")" -eq 1
expect "file not rewritten" test "$(stat -c %i "$file")" = "$inode"

step "the watch definitions this ran"
cat "$here/watches.json"
echo "or: consul watch -type=key -key=kvexpress/hosts/checksum kvexpress out -k hosts -f /etc/hosts.consul"
step "done"
