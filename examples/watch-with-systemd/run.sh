#!/usr/bin/env bash
# Long-running watcher: one `kvexpress out --watch --config` process keeps several files applied
# (kvexpress-watch.json), as the systemd unit kvexpress-watch.service runs it. Here it runs in the
# background against the dev agent, follows new versions of both keys, and stops cleanly on SIGTERM.
source "$(cd "$(dirname "$0")/.." && pwd)/lib.sh"
here="$root/examples/watch-with-systemd"
start_agent
config="$work/watch.json"
# The example config with its files and commands pointed at this scratch directory.
sed -e "s|/etc/hosts.consul|$work/hosts.consul|" -e "s|/etc/haproxy/haproxy.cfg|$work/haproxy.cfg|" \
  -e 's|pkill -HUP dnsmasq|true|' -e 's|haproxy -c -f {}|grep -q ^backend {}|' -e 's|systemctl reload haproxy|true|' \
  "$here/kvexpress-watch.json" > "$config"
"$kvexpress" in -k hosts < "$root/templates/hosts.rendered"
"$kvexpress" in -k haproxy --verbatim -l 5 < "$root/templates/haproxy.cfg.rendered"

step "start the watcher (what the unit's ExecStart runs)"
"$kvexpress" out --watch --config "$config" 2> "$work/watch.log" &
watcher=$!
pids+=("$watcher")
wait_for() { for _ in $(seq 1 200); do if grep -q "$2" "$1" 2>/dev/null; then return 0; fi; sleep 0.1; done; return 1; }
expect "hosts applied" wait_for "$work/hosts.consul" "web-1"
expect "haproxy applied" wait_for "$work/haproxy.cfg" "server web-3"
expect "haproxy applied verbatim" cmp -s "$root/templates/haproxy.cfg.rendered" "$work/haproxy.cfg"

step "a new version reaches the file within moments"
{ cat "$root/templates/hosts.rendered"; echo "10.0.6.61 api-1.node.consul api.service.consul"; } | "$kvexpress" in -k hosts
expect "new host applied" wait_for "$work/hosts.consul" "api-1"
# The file is swapped in before the reload runs; the apply is done when its result line is logged. (A SIGTERM
# in the middle of an apply lets it finish, then exits 143 to say so.)
applied_thrice() { [ "$(grep -c "result=applied" "$work/watch.log")" -ge 3 ]; }
for _ in $(seq 1 200); do applied_thrice && break; sleep 0.1; done
expect "the apply of the new version finished" applied_thrice

step "SIGTERM, as systemctl stop sends it: exit 0, no temp files"
kill -TERM "$watcher"
status=0
wait "$watcher" || status=$?
expect "watcher exited 0 (got $status)" test "$status" -eq 0
expect "no leftovers" test -z "$(find "$work" -name '.*.kvexpress-*')"
grep -E "result=applied|watch=" "$work/watch.log"
step "done"
