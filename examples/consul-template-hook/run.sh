#!/usr/bin/env bash
# consul-template command hook: consul-template renders, then runs `kvexpress in ... --soft` (see
# consul-template.hcl). consul-template cannot be installed here, so this script writes what it would
# render and runs the command from the HCL file exactly as consul-template would (through sh -c).
source "$(cd "$(dirname "$0")/.." && pwd)/lib.sh"
here="$root/examples/consul-template-hook"
start_agent
rendered="$work/hosts.rendered"
# The command line from the template stanza, with the destination pointed at this scratch directory.
command=$(sed -n 's/^ *command *= *"\(.*\)"/\1/p' "$here/consul-template.hcl" | sed "s|/var/lib/kvexpress/hosts.rendered|$rendered|")
export PATH="$root/bin:$PATH"

step "consul-template renders the catalog and runs: $command"
cp "$root/templates/hosts.rendered" "$rendered"
sh -c "$command"
expect "hosts published" "$kvexpress" status -k hosts

step "a render that comes out nearly empty (a catalog outage) is refused, and --soft keeps consul-template running"
printf '10.0.1.11 web-1.node.consul web.service.consul\n' > "$rendered"
sh -c "$command" 2> "$work/refused.log"
cat "$work/refused.log"
expect "refused, exit 0 thanks to --soft" grep -q "result=refused reason=too_few_lines" "$work/refused.log"
expect "the published file is still the full one" sh -c "'$kvexpress' status --json -k hosts | grep -q '\"lines\": 11'"

step "a stop key halts publishing, still exit 0 for consul-template"
"$kvexpress" stop -k hosts -r "maintenance"
cp "$root/templates/hosts.rendered" "$rendered"
echo "10.0.9.9 new.node.consul new.service.consul" >> "$rendered"
sh -c "$command" 2> "$work/halted.log"
expect "halted" grep -q "result=halted reason=stop_key" "$work/halted.log"
"$kvexpress" resume -k hosts
sh -c "$command"
expect "published after resume" sh -c "'$kvexpress' status --json -k hosts | grep -q '\"lines\": 12'"
step "done"
