#!/usr/bin/env bash
# A real Consul fleet on this machine: one server and N client agents on loopback (Consul found or fetched
# by .ci/fetch-consul), each client a node applying a 1,200-line file (a) from an agent key watch whose
# handler runs `kvexpress out`, as the original kvexpress blog post shows, and (b) with `out --watch`.
# Prints, per mode, p50/p90/max of the time from the start of `in` (and from its exit) to each node's
# file renamed, p50/max over the publishes of the same to the last node, and what the server spent per
# node per publish (RPC requests, CPU, bytes read+written).
# Usage: bench/fleet.sh [--nodes N] [--versions V]   (defaults 10 and 5). Build first: mvn -B -q -DskipTests package
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -f "$root/target/kvexpress.jar" ] || [ ! -d "$root/target/test-classes/org/kvexpress/bench" ]; then
  echo "bench: build first: mvn -B -q -DskipTests package" >&2
  exit 1
fi
exec java -XX:+UseSerialGC -Dkvexpress.basedir="$root" \
  -cp "$root/target/test-classes:$root/target/kvexpress.jar" org.kvexpress.bench.Fleet "$@"
