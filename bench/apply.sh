#!/usr/bin/env bash
# CPU (user + sys) and wall time of one `kvexpress out` that applies a new version of a 1,188-line file
# (what every node pays per publish), median of RUNS whole-process runs, on the default JDK and (when one is
# installed under /usr/lib/jvm, or in KVEXPRESS_BENCH_JDK24) on a JDK 24+ with its AOT cache. Between two
# measured runs a publish (not measured) changes one line, so every measured `out` writes the file.
# Beside it, the CPU of the same JVM printing hello (median of RUNS), measured in the same run.
# Usage: bench/apply.sh [RUNS]   (default 9). Build first: mvn -B -q -DskipTests package
set -euo pipefail
source "$(dirname "$0")/lib.sh"
runs=${1:-9}
start_agent
file="$work/hosts"
# Publishes version $1 of the file (1,188 lines; the last one names the version).
publish() {
  awk -v v="$1" 'BEGIN { for (i = 0; i < 1187; i++) printf "10.0.%d.%d host-%d\n", i / 250, i % 250, i
    printf "10.9.9.9 version-%d\n", v }' | "$kvx" in -k apply -q
}
version=0
# One JDK's figures: median CPU ms and wall ms of RUNS applying runs.
jdk_line() {
  local name=$1
  local cpu=() wall=()
  for _ in $(seq 1 "$runs"); do
    version=$((version + 1))
    publish "$version"
    local before after
    before=
    if [ -f "$file" ]; then before=$(sha256sum < "$file"); fi
    local s e t
    s=$(date +%s%N)
    # bash's `time` reports the CPU of the command and all its children (the launcher's sh and the JVM).
    t=$( { TIMEFORMAT='%U %S'; time "$kvx" out -k apply -f "$file" -q > /dev/null 2>&1; } 2>&1 )
    e=$(date +%s%N)
    after=$(sha256sum < "$file")
    if [ "$before" = "$after" ]; then
      echo "bench/apply.sh: out did not write version $version; see $work" >&2
      exit 1
    fi
    cpu+=("$(awk -v t="$t" 'BEGIN { split(t, a, " "); printf "%d", (a[1] + a[2]) * 1000 }')")
    wall+=("$(((e - s) / 1000000))")
  done
  local hello=() h
  for _ in $(seq 1 "$runs"); do
    # shellcheck disable=SC2046 # the command is word-split on purpose
    h=$( { TIMEFORMAT='%U %S'; time $(hello_command) > /dev/null 2>&1; } 2>&1 )
    hello+=("$(awk -v t="$h" 'BEGIN { split(t, a, " "); printf "%d", (a[1] + a[2]) * 1000 }')")
  done
  local mc mw mh
  mc=$(printf '%s\n' "${cpu[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  mw=$(printf '%s\n' "${wall[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  mh=$(printf '%s\n' "${hello[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "apply jdk=$name runs=$runs lines=1188 cpu_ms=$mc cpu_min_ms=$(printf '%s\n' "${cpu[@]}" | sort -n | head -1)" \
    "cpu_max_ms=$(printf '%s\n' "${cpu[@]}" | sort -n | tail -1) wall_ms=$mw hello_cpu_ms=$mh" \
    "cpu_to_hello=$(awk -v c="$mc" -v h="$mh" 'BEGIN { printf "%.2f", c / h }')"
}
each_jdk jdk_line
