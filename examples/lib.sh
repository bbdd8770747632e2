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
# A TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
  local p
  while :; do
    p=$(((RANDOM % 30000) + 20000))
    if ! (echo > "/dev/tcp/127.0.0.1/$p") 2> /dev/null; then echo "$p"; return; fi
  done
}
# Starts a real Consul agent, found or fetched by .ci/fetch-consul (see README "Tests"), on free ports of
# 127.0.0.1: start_consul NAME dev|client [CONFIG-FILE...]. A client joins the last dev agent started.
# Exports CONSUL_HTTP_ADDR as its HTTP address before starting it, so the agent's watch handlers and
# `consul exec` commands (which inherit its environment) and every command after it talk to this agent,
# as on a node. The agent is stopped (by PID) when the example ends.
start_consul() {
  local name=$1 mode=$2
  shift 2
  local consul dir http serf leader=""
  consul=$(bash "$root/.ci/fetch-consul")
  dir="$work/consul-$name"
  mkdir -p "$dir/data"
  http=$(free_port)
  serf=$(free_port)
  local join=""
  if [ "$mode" = client ]; then join=", \"retry_join\": [\"$CONSUL_JOIN\"], \"retry_interval\": \"1s\""; fi
  cat > "$dir/agent.json" <<JSON
{"node_name": "$name", "bind_addr": "127.0.0.1", "client_addr": "127.0.0.1", "advertise_addr": "127.0.0.1",
 "data_dir": "$dir/data", "disable_update_check": true, "disable_remote_exec": false,
 "ports": {"http": $http, "https": -1, "dns": -1, "grpc": -1, "serf_lan": $serf, "serf_wan": $(free_port),
           "server": $(free_port)}$join}
JSON
  local args=(agent -config-file "$dir/agent.json")
  [ "$mode" = dev ] && args+=(-dev)
  for extra in "$@"; do args+=(-config-file "$extra"); done
  export CONSUL_HTTP_ADDR="127.0.0.1:$http"
  "$consul" "${args[@]}" > "$dir/agent.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 300); do
    leader=$(curl -s "http://$CONSUL_HTTP_ADDR/v1/status/leader" 2> /dev/null || true)
    case "$leader" in *:*) break ;; esac
    sleep 0.1
  done
  case "$leader" in *:*) ;; *) echo "example FAILED: consul agent $name did not start; see $dir/agent.log" >&2; cat "$dir/agent.log" >&2; exit 1 ;; esac
  [ "$mode" = dev ] && CONSUL_JOIN="127.0.0.1:$serf"
  return 0
}
step() { printf '\n==> %s\n' "$*"; }
# Fails the example with a message unless the condition holds.
expect() {
  local what=$1
  shift
  if ! "$@"; then echo "example FAILED: $what" >&2; exit 1; fi
}
