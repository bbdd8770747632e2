#!/usr/bin/env bash
# The three least-privilege roles on a real Consul agent with ACLs enforced (default deny): policies from
# this folder's .hcl files, one token each; the publisher publishes, a node applies and reports, the auditor
# reads status, and the node token is refused when it tries to publish.
source "$(cd "$(dirname "$0")/.." && pwd)/lib.sh"
here="$root/examples/acl-policies"
master=$(cat /proc/sys/kernel/random/uuid)
# Consul 1.11 renamed acl.tokens.master to initial_management.
minor=$("$(bash "$root/.ci/fetch-consul")" version | sed -n 's/^Consul v1\.\([0-9]*\).*/\1/p')
name=master
[ "${minor:-0}" -ge 11 ] && name=initial_management
cat > "$work/acl.json" <<JSON
{"acl": {"enabled": true, "default_policy": "deny", "tokens": {"$name": "$master"}}}
JSON
step "a real Consul agent with ACLs enforced"
start_consul acl-demo dev "$work/acl.json"
# Creates a policy from an HCL file and a token with it; prints the token's secret into a 0600 file.
token_for() {
  local name=$1 rules=$2 file="$work/$1.token"
  # The rules as a JSON string: backslashes and quotes escaped, newlines as \n.
  local json
  json=$(sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' "$rules" | awk '{printf "%s\\n", $0}')
  curl -sf -X PUT -H "X-Consul-Token: $master" "http://$CONSUL_HTTP_ADDR/v1/acl/policy" \
    --data "{\"Name\": \"$name\", \"Rules\": \"$json\"}" > /dev/null
  curl -sf -X PUT -H "X-Consul-Token: $master" "http://$CONSUL_HTTP_ADDR/v1/acl/token" \
    --data "{\"Policies\": [{\"Name\": \"$name\"}]}" | tr -d '\n' \
    | sed -n 's/.*"SecretID": *"\([^"]*\)".*/\1/p' > "$file"
  chmod 600 "$file"
  echo "$file"
}
sed "s/NODE/web-1/" "$here/node.hcl" > "$work/node-web-1.hcl"
publisher=$(token_for kvexpress-publisher "$here/publisher.hcl")
node=$(token_for kvexpress-node-web-1 "$work/node-web-1.hcl")
auditor=$(token_for kvexpress-auditor "$here/auditor.hcl")

step "publisher: kvexpress in"
"$kvexpress" in -k hosts --token-file "$publisher" < "$root/templates/hosts.rendered"

step "node web-1: kvexpress out --report"
"$kvexpress" out -k hosts -f "$work/etc/hosts.consul" --hostname web-1 --report --token-file "$node"
expect "file applied" test -s "$work/etc/hosts.consul"

step "auditor: kvexpress status -k hosts"
"$kvexpress" status -k hosts --token-file "$auditor"

step "node web-1 tries to publish a change: denied, exit 1 (even with --soft)"
set +e
{ cat "$root/templates/hosts.rendered"; echo "10.9.9.9 rogue.node.consul"; } \
  | "$kvexpress" in -k hosts --token-file "$node" --soft 2> "$work/denied.log"
code=$?
set -e
cat "$work/denied.log"
expect "exit 1" test "$code" -eq 1
expect "names the permission" grep -q "key:write" "$work/denied.log"
step "done"
