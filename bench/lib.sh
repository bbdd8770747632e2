# Shared helpers for bench/*.sh: the jar, a dev agent on a free port, medians. Sourced, not run.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kvx="$root/bin/kvexpress"
if [ ! -f "$root/target/kvexpress.jar" ]; then
  echo "bench: build first: mvn -B -q -DskipTests package" >&2
  exit 1
fi
work=$(mktemp -d)
agent_pid=
bench_cleanup() {
  if [ -n "$agent_pid" ]; then kill "$agent_pid" 2>/dev/null || true; wait "$agent_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap bench_cleanup EXIT
start_agent() {
  "$kvx" dev-agent --http-addr 127.0.0.1:0 --addr-file "$work/addr" > "$work/agent.log" 2>&1 &
  agent_pid=$!
  for _ in $(seq 1 100); do [ -s "$work/addr" ] && break; sleep 0.1; done
  CONSUL_HTTP_ADDR=$(cat "$work/addr")
  export CONSUL_HTTP_ADDR
}
# Milliseconds a command takes (output discarded).
time_ms() {
  local s e
  s=$(date +%s%N)
  "$@" > /dev/null 2>&1 || true
  e=$(date +%s%N)
  echo $(((e - s) / 1000000))
}
# A JVM printing hello, the yardstick of start-up figures: compiles it once and prints the command that runs
# it on the JDK in JAVA_HOME (else `java` on PATH), with the launcher's collector and compiler flags.
hello_command() {
  if [ ! -f "$work/hello/Hello.class" ]; then
    mkdir -p "$work/hello"
    printf 'public class Hello { public static void main(String[] a) { System.out.println("hello"); } }\n' > "$work/hello/Hello.java"
    javac -d "$work/hello" "$work/hello/Hello.java"
  fi
  echo "${JAVA_HOME:+$JAVA_HOME/bin/}java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp $work/hello Hello"
}
# Median of N runs of a command, in ms, each after PREPARE (a command; `:` for none) and with stdin from
# INPUT: median_ms_with N PREPARE INPUT COMMAND...
median_ms_with() {
  local n=$1 prepare=$2 input=$3
  shift 3
  for _ in $(seq 1 "$n"); do
    "$prepare"
    local s e
    s=$(date +%s%N)
    "$@" < "$input" > /dev/null 2>&1 || true
    e=$(date +%s%N)
    echo $(((e - s) / 1000000))
  done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
# Median of N runs of a command, in ms.
median_ms() {
  local n=$1
  shift
  for _ in $(seq 1 "$n"); do time_ms "$@"; done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
# Runs "$@ VERSION" on the default JDK, then with JAVA_HOME on a JDK 24+ and its AOT cache when one is
# installed under /usr/lib/jvm (or named by KVEXPRESS_BENCH_JDK24); VERSION is the JDK's version.
each_jdk() {
  "$@" "$(java -version 2>&1 | head -1 | sed 's/.*version "\([^"]*\)".*/\1/')"
  local jdk24=${KVEXPRESS_BENCH_JDK24:-} h
  if [ -z "$jdk24" ]; then
    for h in /usr/lib/jvm/*; do
      if grep -qE '^JAVA_VERSION="(2[4-9]|[3-9][0-9])' "$h/release" 2> /dev/null; then jdk24=$h; fi
    done
  fi
  if [ -n "$jdk24" ]; then
    if [ ! -f "${root}/target/kvexpress.aot" ]; then JAVA_HOME=$jdk24 "$root/bin/kvexpress-cds" > /dev/null; fi
    JAVA_HOME=$jdk24 "$@" "$(sed -n 's/^JAVA_VERSION="\(.*\)"/\1/p' "$jdk24/release")"
  else
    echo "(no JDK 24+ found: set KVEXPRESS_BENCH_JDK24 to measure the AOT cache)" >&2
  fi
}
