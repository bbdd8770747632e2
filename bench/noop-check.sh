#!/usr/bin/env bash
# What a one-shot `kvexpress out` does when the file is already current, as a curl + jq + sha256sum script:
# the node-lock GET, one recurse GET of the key, decode, verify the checksum, compare with the file.
# Usage: noop-check.sh ADDR PREFIX KEY FILE HOSTNAME. Exit 0 when current.
set -euo pipefail
addr=$1 prefix=$2 key=$3 file=$4 host=$5
abs=$(readlink -f "$file")
lock=$(printf '%s' "$abs" | sha256sum | cut -d' ' -f1)
code=$(curl -s -o /dev/null -w '%{http_code}' "http://$addr/v1/kv/$prefix/locks/$lock/$host")
[ "$code" = 404 ] || exit 4
resp=$(curl -sf "http://$addr/v1/kv/$prefix/$key/?recurse")
value() { jq -r --arg k "$prefix/$key/$1" '.[] | select(.Key == $k) | .Value // ""' <<<"$resp" | base64 -d; }
sum=$(value checksum)
[ "$(value data | sha256sum | cut -d' ' -f1)" = "$sum" ] || exit 3
[ "$(sha256sum < "$file" | cut -d' ' -f1)" = "$sum" ]
