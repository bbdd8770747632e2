#!/usr/bin/env bash
# Resident memory of an idle `kvexpress out --watch`, after it applied one version and sat for SECONDS.
# Usage: bench/memory.sh [SECONDS]   (default 5)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
idle=${1:-5}
start_agent
awk 'BEGIN { for (i = 0; i < 1000; i++) printf "10.0.%d.%d host-%d\n", i / 250, i % 250, i }' | "$kvx" in -k memory -q
"$kvx" out --watch -k memory -f "$work/hosts" -q &
watch_pid=$!
for _ in $(seq 1 100); do [ -s "$work/hosts" ] && break; sleep 0.1; done
sleep "$idle"
rss_kb=$(awk '/^VmRSS/ { print $2 }' "/proc/$watch_pid/status")
kill "$watch_pid"
wait "$watch_pid" || true
echo "memory idle_s=$idle watch_rss_mb=$((rss_kb / 1024))"
