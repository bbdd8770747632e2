#!/usr/bin/env bash
# A shell pipeline: anything that prints a configuration can feed `kvexpress in`, here curl fetching a
# rendered file over HTTP (the dev agent's raw KV endpoint stands in for any web server).
source "$(cd "$(dirname "$0")/.." && pwd)/lib.sh"
start_agent
curl -sf -X PUT --data-binary @"$root/templates/dnsmasq-services.rendered" \
  "http://$CONSUL_HTTP_ADDR/v1/kv/web/dnsmasq-services" > /dev/null
url="http://$CONSUL_HTTP_ADDR/v1/kv/web/dnsmasq-services?raw"

step "curl -sf $url | kvexpress in -k dnsmasq-services"
curl -sf "$url" | "$kvexpress" in -k dnsmasq-services
expect "published" "$kvexpress" status -k dnsmasq-services

step "pipefail matters: a failed fetch must not publish an empty file"
set +e
curl -sf "http://$CONSUL_HTTP_ADDR/v1/kv/web/missing?raw" | "$kvexpress" in -k dnsmasq-services 2> "$work/empty.log"
status=$?
set -e
cat "$work/empty.log"
expect "empty input refused (exit 3)" test "$status" -eq 3

step "the same fetch without a pipe: kvexpress in -u URL (non-2xx is exit 1)"
"$kvexpress" in -k dnsmasq-services -u "$url"
status=0
"$kvexpress" in -k dnsmasq-services -u "http://$CONSUL_HTTP_ADDR/v1/kv/web/missing?raw" || status=$?
expect "failed URL is exit 1" test "$status" -eq 1
step "done"
