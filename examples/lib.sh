# Shared by examples/*/run.sh: the kvexpress launcher, a dev agent on a free port, a scratch directory,
# and cleanup of everything started. Sourced, not run. Set KVEXPRESS_SKIP_BUILD=1 to skip `mvn package`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kvexpress="$root/bin/kvexpress"
if [ "${KVEXPRESS_SKIP_BUILD:-}" != 1 ] && [ ! -f "$root/target/kvexpress.jar" ]; then
  (cd "$root" && mvn -B -q -DskipTests package)
fi
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
# Starts the dev agent (in memory, not Consul) and exports CONSUL_HTTP_ADDR for every command after it.
start_agent() {
  "$kvexpress" dev-agent --http-addr 127.0.0.1:0 --addr-file "$work/agent.addr" > "$work/agent.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do [ -s "$work/agent.addr" ] && break; sleep 0.1; done
  CONSUL_HTTP_ADDR=$(cat "$work/agent.addr")
  export CONSUL_HTTP_ADDR
}
step() { printf '\n==> %s\n' "$*"; }
# Fails the example with a message unless the condition holds.
expect() {
  local what=$1
  shift
  if ! "$@"; then echo "example FAILED: $what" >&2; exit 1; fi
}
