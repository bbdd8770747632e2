#!/usr/bin/env bash
# Watch-mode latency with real processes: N `kvexpress out --watch` processes (one per simulated node,
# each its own file), then, for each of V versions, the time from starting `kvexpress in` until every node
# holds the new file (the whole pipeline: the publisher's JVM start, canonicalize, publish, every watcher's
# apply), and how long `in` itself took. Each node's reload hook stamps when its file was renamed into place.
# Usage: bench/watch20.sh [--watchers N] [--versions V]   (defaults 20 and 3)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
watchers=20 versions=3
while [ $# -gt 0 ]; do
  case $1 in
    --watchers) watchers=$2; shift 2 ;;
    --versions) versions=$2; shift 2 ;;
    *) echo "usage: bench/watch20.sh [--watchers N] [--versions V]" >&2; exit 2 ;;
  esac
done
start_agent
render() { awk -v v="$1" 'BEGIN { for (i = 0; i < 1000; i++) printf "10.0.%d.%d host-%d\n", i / 250, i % 250, i; print "# version " v }'; }
render 0 | "$kvx" in -k watch20 -q
pids=()
for i in $(seq 1 "$watchers"); do
  "$kvx" out --watch -k watch20 -f "$work/node-$i/hosts" -q -e "date +%s%N > $work/node-$i/applied" &
  pids+=($!)
done
trap 'kill "${pids[@]}" 2>/dev/null || true; wait "${pids[@]}" 2>/dev/null || true; bench_cleanup' EXIT
all_have() { for i in $(seq 1 "$watchers"); do grep -q "# version $1" "$work/node-$i/hosts" 2>/dev/null || return 1; done; }
for _ in $(seq 1 600); do all_have 0 && break; sleep 0.1; done
all_have 0 || { echo "bench: watchers never applied the first version" >&2; exit 1; }
sleep 1
results=()
ins=()
for v in $(seq 1 "$versions"); do
  render "$v" > "$work/version"
  started=$(date +%s%N)
  "$kvx" in -k watch20 -q -f "$work/version"
  ins+=($((($(date +%s%N) - started) / 1000000)))
  for _ in $(seq 1 600); do all_have "$v" && break; sleep 0.05; done
  last=$(cat "$work"/node-*/applied | sort -n | tail -1)
  results+=($(((last - started) / 1000000)))
  sleep 0.5
done
sorted=$(printf '%s\n' "${results[@]}" | sort -n)
echo "watch watchers=$watchers versions=$versions all_applied_ms=$(echo "$sorted" | paste -sd, -) median_ms=$(echo "$sorted" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}') in_ms=$(printf '%s\n' "${ins[@]}" | sort -n | paste -sd, -)"
