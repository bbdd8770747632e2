#!/usr/bin/env bash
# What `kvexpress in` does for a changed file, as a shell script (the yardstick of bench/in.sh): canonicalize
# stdin (CRLF to LF, blank lines dropped, sorted and deduplicated in byte order), hash it, read the key's
# data and checksum, and when the checksum differs write data, checksum and last in one transaction guarded
# on the data's index. No stop key, lock, meta or guard: less than `in` does.
# Usage: publish-script.sh ADDR PREFIX KEY < FILE. Exit 0 when written or unchanged.
set -euo pipefail
addr=$1 prefix=$2 key=$3
data=$(tr -d '\r' | grep -v '^[[:space:]]*$' | LC_ALL=C sort -u; echo x)
data=${data%x}
sum=$(printf %s "$data" | sha256sum | cut -d' ' -f1)
resp=$(curl -sf "http://$addr/v1/kv/$prefix/$key/?recurse" || echo '[]')
old_sum=$(jq -r --arg k "$prefix/$key/checksum" '.[] | select(.Key == $k) | .Value // ""' <<<"$resp" | base64 -d)
[ "$old_sum" != "$sum" ] || exit 0
index=$(jq -r --arg k "$prefix/$key/data" '[.[] | select(.Key == $k) | .ModifyIndex] | first // 0' <<<"$resp")
old_data=$(jq -r --arg k "$prefix/$key/data" '.[] | select(.Key == $k) | .Value // ""' <<<"$resp")
jq -n --arg p "$prefix/$key" --argjson i "$index" --arg d "$(printf %s "$data" | base64 -w0)" \
  --arg s "$(printf %s "$sum" | base64 -w0)" --arg l "$old_data" '[
    {KV: {Verb: "cas", Key: ($p + "/data"), Value: $d, Index: $i}},
    {KV: {Verb: "set", Key: ($p + "/checksum"), Value: $s}},
    {KV: {Verb: "set", Key: ($p + "/last"), Value: $l}}]' |
  curl -sf -X PUT --data-binary @- "http://$addr/v1/txn" > /dev/null
