#!/usr/bin/env bash
# One-shot `kvexpress out` when the file is already current (what every node pays per watch firing),
# median of RUNS whole-process runs, against bench/noop-check.sh doing the same check with curl + jq + sha256sum.
# Usage: bench/oneshot.sh [RUNS]   (default 15)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
runs=${1:-15}
start_agent
awk 'BEGIN { for (i = 0; i < 1000; i++) printf "10.0.%d.%d host-%d\n", i / 250, i % 250, i }' | "$kvx" in -k oneshot -q
file="$work/hosts"
"$kvx" out -k oneshot -f "$file" -q
host=$(cat /proc/sys/kernel/hostname)
kvx_ms=$(median_ms "$runs" "$kvx" out -k oneshot -f "$file")
nocds_ms=$(KVEXPRESS_NO_CDS=1 median_ms "$runs" "$kvx" out -k oneshot -f "$file")
if command -v curl > /dev/null && command -v jq > /dev/null; then
  bash "$root/bench/noop-check.sh" "$CONSUL_HTTP_ADDR" kvexpress oneshot "$file" "$host"
  script_ms=$(median_ms "$runs" bash "$root/bench/noop-check.sh" "$CONSUL_HTTP_ADDR" kvexpress oneshot "$file" "$host")
  ratio=$(awk -v a="$kvx_ms" -v b="$script_ms" 'BEGIN { printf "%.1f", a / b }')
else
  script_ms=n/a ratio=n/a
  echo "(curl or jq missing: no script baseline)" >&2
fi
echo "oneshot runs=$runs kvexpress_ms=$kvx_ms kvexpress_no_cds_ms=$nocds_ms script_ms=$script_ms ratio=$ratio"
