#!/usr/bin/env bash
# Signed publishes and a version larger than Consul's 512 KiB value limit, on the dev agent: a key pair from
# keygen, a 1.2 MB file published in chunks and signed, a node that trusts only that key, and a forged
# version (valid checksum, no valid signature) that the node refuses.
source "$(cd "$(dirname "$0")/.." && pwd)/lib.sh"
start_agent

step "a key pair: ops.key stays with publishers, ops.pub goes to nodes"
"$kvexpress" keygen --out "$work/keys" --name ops

step "publish 1.2 MB (30,000 host lines), signed: it is stored in chunks"
for i in $(seq 1 30000); do printf '10.%d.%d.%d host-%05d.dc1.example.com\n' $((i / 65536)) $((i / 256 % 256)) $((i % 256)) "$i"; done > "$work/hosts"
"$kvexpress" in -k hosts -f "$work/hosts" --sign-key "$work/keys/ops.key"
"$kvexpress" status -k hosts

step "a node that trusts only ops.pub applies it"
"$kvexpress" out -k hosts -f "$work/etc/hosts.consul" --trust-key "$work/keys/ops.pub"
expect "the node has all 30000 lines" test "$(wc -l < "$work/etc/hosts.consul")" -eq 30000

step "someone with KV write forges a small version with a valid checksum"
printf '6.6.6.6 evil\n' > "$work/forged"
curl -sf -X PUT --data-binary @"$work/forged" "http://$CONSUL_HTTP_ADDR/v1/kv/kvexpress/hosts/data" > /dev/null
sha256sum "$work/forged" | cut -d' ' -f1 | tr -d '\n' \
  | curl -sf -X PUT --data-binary @- "http://$CONSUL_HTTP_ADDR/v1/kv/kvexpress/hosts/checksum" > /dev/null
set +e
"$kvexpress" out -k hosts -f "$work/etc/hosts.consul" --trust-key "$work/keys/ops.pub"
code=$?
set -e
expect "the forged version is refused (exit 3)" test "$code" -eq 3
expect "the file is untouched" test "$(wc -l < "$work/etc/hosts.consul")" -eq 30000
step "done"
