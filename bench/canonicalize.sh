#!/usr/bin/env bash
# `kvexpress in --dry-run` over LINES generated lines (about 31 MB at 1,000,000), whole process, against
# `LC_ALL=C sort -u | sha256sum` on the same file; wall time and peak RSS (GNU time) of each.
# Usage: bench/canonicalize.sh [LINES]   (default 1000000)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
lines=${1:-1000000}
start_agent
input="$work/input"
awk -v n="$lines" 'BEGIN { srand(42); for (i = 0; i < n; i++)
  printf "10.%d.%d.%d host-%06d svc%d\n", int(rand()*256), int(rand()*256), int(rand()*256), int(rand()*1000000), int(rand()*50) }' > "$input"
bytes=$(stat -c %s "$input")
measure() { # prints "seconds kilobytes" of the best of three runs
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$work/t" "$@" > /dev/null 2>&1 || true
    grep -E '^[0-9.]+ [0-9]+$' "$work/t"
  done | sort -n | head -1
}
# An input over Consul's 512 KiB value limit would now be a chunked version, whose dry run also prints a diff
# of every line; `--max-bytes 524288` keeps what this measures: canonicalizing and hashing the whole input,
# after which the run is refused for its size (exit 3).
limit=()
if [ "$bytes" -gt 524288 ]; then limit=(--max-bytes 524288); fi
if [ ! -x /usr/bin/time ]; then echo "bench: needs GNU time (apt-get install time)" >&2; exit 1; fi
read -r kvx_s kvx_kb < <(measure "$kvx" in -k canon --dry-run -f "$input" "${limit[@]}")
read -r sort_s sort_kb < <(measure sh -c "LC_ALL=C sort -u '$input' | sha256sum")
awk -v l="$lines" -v b="$bytes" -v ks="$kvx_s" -v kk="$kvx_kb" -v ss="$sort_s" -v sk="$sort_kb" 'BEGIN {
  printf "canonicalize lines=%d bytes=%d kvexpress_ms=%d sort_ms=%d ratio=%.2f peak_rss_mb=%.0f rss_to_input=%.1f sort_rss_mb=%.0f\n",
    l, b, ks * 1000, ss * 1000, ks / ss, kk / 1024, kk * 1024 / b, sk / 1024 }'
