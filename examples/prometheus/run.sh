#!/usr/bin/env bash
# Prometheus: check and unit-test the rules with promtool, then run a watcher with --metrics-addr on the
# dev agent, publish a version, scrape /metrics (and check it with promtool) and /healthz.
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ "${KVEXPRESS_SKIP_BUILD:-}" != 1 ]; then
  echo "==> building target/kvexpress.jar"
  (cd "$root" && mvn -B -q -DskipTests package)
fi
source "$root/examples/lib.sh"
here="$root/examples/prometheus"

step "promtool (Debian's prometheus package, unpacked into the cache when missing)"
promtool=$(bash "$root/.ci/fetch-promtool")
"$promtool" --version | head -1

step "promtool check rules, promtool test rules"
(cd "$here" && "$promtool" check rules rules.yml && "$promtool" test rules rules_test.yml)

step "a watcher serving /metrics on a free port of 127.0.0.1"
start_agent
port=$(free_port)
"$kvexpress" out --watch -k hosts -f "$work/etc/hosts.consul" --wait 5s --metrics-addr "$port" \
  > "$work/watch.log" 2>&1 &
pids+=($!)
"$kvexpress" in -k hosts < "$root/templates/hosts.rendered"
for _ in $(seq 1 100); do [ -s "$work/etc/hosts.consul" ] && break; sleep 0.1; done
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/metrics" | grep -q applied_version_info && break; sleep 0.1; done

step "curl /metrics (the kvexpress series) and promtool check metrics"
curl -sf "http://127.0.0.1:$port/metrics" > "$work/metrics.txt"
grep -E '^kvexpress_(applied_version_info|applied_version_publish_timestamp_seconds|halted|out_results_total)' "$work/metrics.txt"
"$promtool" check metrics < "$work/metrics.txt"
expect "the version is in the scrape" grep -q 'kvexpress_out_results_total{.*result="applied"' "$work/metrics.txt"

step "curl /healthz"
curl -sf "http://127.0.0.1:$port/healthz"
step "done"
