#!/usr/bin/env bash
# The history test (HistoryIT) for longer than CI runs it: a real Consul 1.8.7 cluster (3 servers, 3 clients),
# two racing publishers (one losing answers), watchers and one-shot nodes, and the nemesis (leader kills,
# pauses, quorum loss, agent restarts, in killed mid-flight, stop/rollback/resume, stage and promote), for
# SECONDS per run, RUNS runs. Prints each run's figures and any violation, with its seed to repeat it.
#   bash bench/history.sh [SECONDS] [RUNS] [SEED]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-300}
runs=${2:-1}
cd "$root"
mvn -B -q -DskipTests package > /dev/null
for i in $(seq 1 "$runs"); do
  seed_opt=()
  if [ -n "${3:-}" ]; then seed_opt=(-Dkvexpress.history.seed="$3"); fi
  out=$(mktemp)
  if mvn -B -o failsafe:integration-test@it-consul failsafe:verify@it-consul -Dit.test=HistoryIT \
      -Dkvexpress.history.seconds="$seconds" "${seed_opt[@]}" > "$out" 2>&1; then
    status=passed
  else
    status=FAILED
  fi
  grep -h "^history:" "$out" target/failsafe-reports-consul/*HistoryIT-output.txt 2>/dev/null | sort -u || true
  echo "run $i of $runs: $status"
  rm -f "$out"
  [ "$status" = passed ] || exit 1
done
