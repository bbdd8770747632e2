#!/usr/bin/env bash
# N simulated nodes in one JVM, each with its own HTTP client, directory (on /dev/shm when there is one,
# so one shared disk is not measured N times) and the real watch-mode applier, against a dev agent in its
# own process. Reports the time from publish to file renamed, and the agent's CPU time per publish.
# Usage: bench/fanout.sh [--nodes N] [--versions V]   (defaults 100 and 5). FANOUT_JAVA_OPTS replaces the
# simulation JVM's flags (default -XX:+UseSerialGC), e.g. to try another collector or record a flight.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
nodes=100 versions=5
while [ $# -gt 0 ]; do
  case $1 in
    --nodes) nodes=$2; shift 2 ;;
    --versions) versions=$2; shift 2 ;;
    *) echo "usage: bench/fanout.sh [--nodes N] [--versions V]" >&2; exit 2 ;;
  esac
done
start_agent
dir="$work/nodes"
if [ -d /dev/shm ] && [ -w /dev/shm ]; then dir=$(mktemp -d /dev/shm/kvexpress-fanout.XXXXXX); fi
trap 'rm -rf "$dir"; bench_cleanup' EXIT
java ${FANOUT_JAVA_OPTS:--XX:+UseSerialGC} -Xss256k -cp "$root/target/test-classes:$root/target/kvexpress.jar" \
  org.kvexpress.bench.Fanout \
  --nodes "$nodes" --versions "$versions" --addr "$CONSUL_HTTP_ADDR" --agent-pid "$agent_pid" --dir "$dir"
