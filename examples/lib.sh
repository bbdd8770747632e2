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
# A TCP port on 127.0.0.1 that nothing listens on right now, below the kernel's ephemeral range (so no
# outgoing connection of a test running beside us holds it) and not handed out before in this example.
picked=" "
free_port() {
  local p low
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2> /dev/null || echo 32768)
  while :; do
    p=$(((RANDOM % (low - 10000)) + 10000))
    case "$picked" in *" $p "*) continue ;; esac
    if ! (echo > "/dev/tcp/127.0.0.1/$p") 2> /dev/null; then picked="$picked$p "; echo "$p"; return; fi
  done
}
# Starts a real Consul agent, found or fetched by .ci/fetch-consul (see docs/testing.md), on free ports of
# 127.0.0.1: start_consul NAME dev|client [CONFIG-FILE...]. A client joins the last dev agent started.
# Exports CONSUL_HTTP_ADDR as its HTTP address before starting it, so the agent's watch handlers and
# `consul exec` commands (which inherit its environment) and every command after it talk to this agent,
# as on a node. The agent is stopped (by PID) when the example ends. A port taken between choosing it and
# the agent binding it (another process on this machine) costs a retry on fresh ports, not the example.
start_consul() {
  local attempt
  for attempt in 1 2 3; do
    if start_consul_once "$@"; then return 0; fi
    grep -q "address already in use" "$work/consul-$1/agent.log" || break
    echo "consul agent $1: a port was taken meanwhile; retrying on other ports" >&2
  done
  echo "example FAILED: consul agent $1 did not start; see $work/consul-$1/agent.log" >&2
  cat "$work/consul-$1/agent.log" >&2
  exit 1
}
start_consul_once() {
  local name=$1 mode=$2
  shift 2
  local consul dir http serf leader="" pid
  consul=$(bash "$root/.ci/fetch-consul")
  dir="$work/consul-$name"
  rm -rf "$dir"
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
  pid=$!
  pids+=("$pid")
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2> /dev/null || break
    leader=$(curl -s "http://$CONSUL_HTTP_ADDR/v1/status/leader" 2> /dev/null || true)
    case "$leader" in *:*) break ;; esac
    sleep 0.1
  done
  case "$leader" in *:*) ;; *) kill "$pid" 2> /dev/null || true; wait "$pid" 2> /dev/null || true; return 1 ;; esac
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
