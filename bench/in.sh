#!/usr/bin/env bash
# `kvexpress in` publishing a changed 1,200-line file (bench/fleet.sh's), start to exit, median of RUNS
# whole-process runs, on the default JDK and (when one is installed under /usr/lib/jvm, or in
# KVEXPRESS_BENCH_JDK24) on a JDK 24+ with its AOT cache; beside it, measured in the same run, its
# yardsticks: the same JVM printing hello, and bench/publish-script.sh doing the publish with
# tr + grep + sort + sha256sum + curl + jq. Against the Consul at CONSUL_HTTP_ADDR when set (e.g. a real
# `consul agent -dev`), else a dev agent of its own (another JVM on the same cores).
# Usage: bench/in.sh [RUNS]   (default 15). Build first: mvn -B -q -DskipTests package
set -euo pipefail
source "$(dirname "$0")/lib.sh"
runs=${1:-15}
if [ -n "${CONSUL_HTTP_ADDR:-}" ]; then
  backend="Consul at $CONSUL_HTTP_ADDR"
else
  start_agent
  backend="dev agent"
fi
echo "# against the $backend" >&2
# The next version of the file, different from every one before it (the clock names it: the runs happen in
# subshells, so a counter would start over).
next_input() {
  awk -v v="$(date +%s%N)" 'BEGIN { for (i = 0; i < 1200; i++) printf "10.0.%d.%d host-%d%s\n", i / 250, i % 250, i, (i == 7 ? " v" v : "") }' > "$work/input"
}
next_input
"$kvx" in -k bench-in -q < "$work/input"
# Median ms of RUNS runs of "$@", each with a new version of the file on stdin.
median_publish() {
  median_ms_with "$runs" next_input "$work/input" "$@"
}
# Fails the benchmark unless key $1 holds the last input, canonicalized: the timed runs published.
published_last() {
  local want got
  want=$(LC_ALL=C sort -u "$work/input" | sha256sum | cut -d' ' -f1)
  got=$(curl -sf "http://$CONSUL_HTTP_ADDR/v1/kv/kvexpress/$1/checksum?raw" || true)
  if [ "$want" != "$got" ]; then
    echo "bench/in.sh: the last run did not publish to $1 (checksum ${got:-none}, want $want)" >&2
    exit 1
  fi
}
script_ms=$(median_publish bash "$root/bench/publish-script.sh" "$CONSUL_HTTP_ADDR" kvexpress bench-in-script)
published_last bench-in-script
jdk_line() {
  local name=$1 in_ms hello_ms
  in_ms=$(median_publish "$kvx" in -k bench-in)
  published_last bench-in
  # shellcheck disable=SC2046 # the command is word-split on purpose
  hello_ms=$(median_publish $(hello_command))
  awk -v n="$name" -v i="$in_ms" -v h="$hello_ms" -v s="$script_ms" 'BEGIN {
    printf "in jdk=%s runs=%d in_ms=%d hello_ms=%d script_ms=%d in_to_hello=%.2f in_to_script=%.2f\n",
      n, '"$runs"', i, h, s, i / h, i / s }'
}
each_jdk jdk_line
