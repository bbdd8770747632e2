#!/usr/bin/env bash
# One-shot `kvexpress out` when the file is already current (what every node pays per watch firing), median
# of RUNS whole-process runs, on the default JDK and (when one is installed under /usr/lib/jvm, or in
# KVEXPRESS_BENCH_JDK24) on a JDK 24+ with its AOT cache: the normal path (one read-only transaction), the
# watch-handler path (the watched checksum pair on stdin: no request), the same JVM printing hello, and
# bench/noop-check.sh doing the normal path's check with curl + jq + sha256sum.
# Usage: bench/oneshot.sh [RUNS]   (default 15). Build first: mvn -B -q -DskipTests package
set -euo pipefail
source "$(dirname "$0")/lib.sh"
runs=${1:-15}
start_agent
awk 'BEGIN { for (i = 0; i < 1188; i++) printf "10.0.%d.%d host-%d\n", i / 250, i % 250, i }' | "$kvx" in -k oneshot -q
file="$work/hosts"
"$kvx" out -k oneshot -f "$file" -q
sum=$(curl -s "http://$CONSUL_HTTP_ADDR/v1/kv/kvexpress/oneshot/checksum?raw")
printf '{"Key":"kvexpress/oneshot/checksum","CreateIndex":5,"ModifyIndex":9,"LockIndex":0,"Flags":0,"Value":"%s","Session":""}\n' \
  "$(printf %s "$sum" | base64 -w0)" > "$work/pair.json"
# Median ms of RUNS runs with stdin from $1.
median_in() {
  local in=$1
  shift
  median_ms_with "$runs" : "$in" "$@"
}
host=$(cat /proc/sys/kernel/hostname)
bash "$root/bench/noop-check.sh" "$CONSUL_HTTP_ADDR" kvexpress oneshot "$file" "$host"
script_ms=$(median_ms "$runs" bash "$root/bench/noop-check.sh" "$CONSUL_HTTP_ADDR" kvexpress oneshot "$file" "$host")
# One JDK's figures: normal path, without the archive, stdin path, hello.
jdk_line() {
  local name=$1
  local normal nocds stdin hello
  normal=$(median_in /dev/null "$kvx" out -k oneshot -f "$file")
  nocds=$(KVEXPRESS_NO_CDS=1 median_in /dev/null "$kvx" out -k oneshot -f "$file")
  stdin=$(median_in "$work/pair.json" "$kvx" out -k oneshot -f "$file")
  # shellcheck disable=SC2046 # the command is word-split on purpose
  hello=$(median_in /dev/null $(hello_command))
  awk -v n="$name" -v o="$normal" -v c="$nocds" -v s="$stdin" -v h="$hello" -v sc="$script_ms" 'BEGIN {
    printf "oneshot jdk=%s runs=%d normal_ms=%d no_archive_ms=%d stdin_ms=%d hello_ms=%d script_ms=%d normal_to_script=%.2f stdin_to_hello=%.2f\n",
      n, '"$runs"', o, c, s, h, sc, o / sc, s / h }'
}
each_jdk jdk_line
