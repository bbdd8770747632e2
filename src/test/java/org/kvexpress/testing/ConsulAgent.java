package org.kvexpress.testing;

import java.io.File;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.commons.io.FileUtils;

/**
 * One real Consul agent process on loopback with its own ports, data directory and node name: a dev
 * agent, a server of a cluster or a client agent. Stopped by its PID (SIGTERM, then SIGKILL); a JVM
 * shutdown hook stops any a test forgot, so no agent outlives the suite.
 */
public final class ConsulAgent implements AutoCloseable {
  private static final Set<ConsulAgent> RUNNING =
      Collections.synchronizedSet(new LinkedHashSet<>());

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  stopAll(List.copyOf(RUNNING));
                },
                "consul-agents-stop"));
  }

  /** What kind of agent this is. */
  public enum Mode {
    DEV,
    SERVER,
    CLIENT
  }

  private final String name;
  private final Mode mode;
  private final Path dir;
  private final int http;
  private final int serfLan;
  private final int serfWan;
  private final int serverPort;
  private final List<String> join = new ArrayList<>();
  private int bootstrapExpect = 1;
  private String extraJson = "";
  private boolean ownsDir;
  private boolean httpsOnly;
  private Process process;
  private boolean terminating;

  private ConsulAgent(String name, Mode mode, Path dir) {
    this.name = name;
    this.mode = mode;
    this.dir = dir;
    List<Integer> ports = freePorts(4);
    this.http = ports.get(0);
    this.serfLan = ports.get(1);
    this.serfWan = ports.get(2);
    this.serverPort = ports.get(3);
  }

  /**
   * A single-node, in-memory agent ({@code consul agent -dev}): fast to start, for an agent the
   * whole test run shares. It lives until the JVM exits; then it is stopped and its temp directory
   * removed.
   */
  public static ConsulAgent sharedDev(String name) throws IOException {
    ConsulAgent a =
        new ConsulAgent(name, Mode.DEV, Files.createTempDirectory("kvexpress-" + name + "-"));
    a.ownsDir = true;
    return a;
  }

  /** A server of a cluster of {@code expect} servers. */
  public static ConsulAgent server(String name, Path dir, int expect) {
    ConsulAgent a = new ConsulAgent(name, Mode.SERVER, dir);
    a.bootstrapExpect = expect;
    return a;
  }

  /** A client agent; give it servers to join with {@link #joining}. */
  public static ConsulAgent client(String name, Path dir) {
    return new ConsulAgent(name, Mode.CLIENT, dir);
  }

  /** Joins these agents' LAN pools on start (retry_join). */
  public ConsulAgent joining(List<ConsulAgent> others) {
    for (ConsulAgent o : others) {
      if (o != this) {
        join.add("127.0.0.1:" + o.serfLan);
      }
    }
    return this;
  }

  /**
   * More top-level configuration, as JSON object members without braces, e.g. {@code "acl": {…}}.
   */
  public ConsulAgent withConfig(String jsonMembers) {
    this.extraJson = jsonMembers;
    return this;
  }

  /**
   * Serves the HTTP API as HTTPS only, on the port {@link #address()} names (configure TLS with
   * withConfig).
   */
  public ConsulAgent httpsOnly(int port) {
    if (port != http) {
      throw new IllegalArgumentException("the HTTPS port must be this agent's API port " + http);
    }
    this.httpsOnly = true;
    return this;
  }

  public String name() {
    return name;
  }

  /** host:port of the HTTP API, the form CONSUL_HTTP_ADDR takes. */
  public String address() {
    return "127.0.0.1:" + http;
  }

  public String url(String path) {
    return "http://" + address() + path;
  }

  /** host:port of the Serf WAN port, what another datacenter's retry_join_wan names. */
  public String serfWanAddress() {
    return "127.0.0.1:" + serfWan;
  }

  /** host:port of the server RPC port, the form /v1/status/leader answers. */
  public String rpcAddress() {
    return "127.0.0.1:" + serverPort;
  }

  public long pid() {
    return process.pid();
  }

  public boolean running() {
    return process != null && process.isAlive();
  }

  public Path log() {
    return dir.resolve("agent.log");
  }

  /** Starts the process and waits until its HTTP API answers. */
  public synchronized ConsulAgent start() throws IOException {
    Files.createDirectories(dir.resolve("data"));
    Path config = dir.resolve("agent.json");
    Files.writeString(config, configJson(), StandardCharsets.UTF_8);
    List<String> cmd = new ArrayList<>(List.of(ConsulBinary.path().toString(), "agent"));
    if (mode == Mode.DEV) {
      cmd.add("-dev");
    }
    cmd.addAll(List.of("-config-file", config.toString()));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().keySet().removeIf(k -> k.startsWith("CONSUL_"));
    process = pb.start();
    terminating = false;
    RUNNING.add(this);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "consul agent " + name + " exited " + process.exitValue() + ":\n" + tail());
      }
      try {
        if (httpsOnly ? accepts() : Http.tryGet(url("/v1/status/leader")) != null) {
          return this;
        }
        Thread.sleep(25);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    kill();
    throw new IllegalStateException(
        "consul agent " + name + " did not answer within 30 s:\n" + tail());
  }

  private boolean accepts() {
    try (Socket s = new Socket("127.0.0.1", http)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Waits until this agent knows a leader and its KV store answers (so a cluster has formed). */
  public ConsulAgent awaitLeader(Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      HttpResponse<String> leader = Http.tryGet(url("/v1/status/leader"));
      if (leader != null && leader.statusCode() == 200 && leader.body().contains(":")) {
        HttpResponse<String> kv = Http.tryGet(url("/v1/kv/kvexpress-test-probe"));
        if (kv != null
            && (kv.statusCode() == 404 || kv.statusCode() == 200 || kv.statusCode() == 403)) {
          return this;
        }
        last = kv == null ? "no answer" : kv.statusCode() + " " + kv.body();
      }
      sleep(50);
    }
    throw new IllegalStateException(
        "consul agent " + name + " has no leader after " + within + " (" + last + "):\n" + tail());
  }

  /** SIGTERM, then SIGKILL after 10 s; a shared agent's temp directory goes with it. */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    stopProcess();
    if (ownsDir) {
      FileUtils.deleteQuietly(dir.toFile());
    }
  }

  /**
   * Stops several agents together: SIGTERM to every client (and dev agent), then the wait for each,
   * then the same for the servers. A client's graceful leave takes about 5 s, which stopping one
   * agent after the other added up (six clients: 30 s of every such test class); the servers go
   * last so that the clients' leave still reaches one.
   */
  public static void stopAll(Collection<ConsulAgent> agents) {
    List<ConsulAgent> servers = agents.stream().filter(a -> a.mode == Mode.SERVER).toList();
    List<ConsulAgent> others = agents.stream().filter(a -> a.mode != Mode.SERVER).toList();
    for (List<ConsulAgent> group : List.of(others, servers)) {
      group.forEach(ConsulAgent::terminate);
      group.forEach(ConsulAgent::stop);
    }
  }

  /** SIGTERM, once, without waiting. */
  private synchronized void terminate() {
    if (process != null && !terminating) {
      signal("CONT"); // a paused agent would never see the SIGTERM
      process.destroy();
      terminating = true;
    }
  }

  private void stopProcess() {
    terminate();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    RUNNING.remove(this);
  }

  /** SIGKILL: the agent gets no chance to leave the cluster. */
  public synchronized void kill() {
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    RUNNING.remove(this);
  }

  /**
   * SIGSTOP: the agent freezes (a long GC pause, a hung VM) and holds its connections without
   * answering.
   */
  public synchronized void pause() {
    signal("STOP");
  }

  /** SIGCONT after {@link #pause}. */
  public synchronized void resume() {
    signal("CONT");
  }

  private void signal(String name) {
    if (process == null || !process.isAlive()) {
      return;
    }
    try {
      new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start().waitFor();
    } catch (IOException e) {
      throw new IllegalStateException("cannot send SIG" + name + " to consul " + this.name, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop();
  }

  /** The end of the agent's log, for failure messages. */
  public String tail() {
    try {
      List<String> lines = Files.readAllLines(log(), StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private String configJson() {
    StringBuilder b = new StringBuilder("{\n");
    b.append("  \"node_name\": \"").append(name).append("\",\n");
    b.append(
        "  \"bind_addr\": \"127.0.0.1\", \"client_addr\": \"127.0.0.1\", \"advertise_addr\": \"127.0.0.1\",\n");
    b.append("  \"ports\": {\"http\": ")
        .append(httpsOnly ? -1 : http)
        .append(", \"https\": ")
        .append(httpsOnly ? http : -1)
        .append(", \"dns\": -1, \"grpc\": -1, \"serf_lan\": ")
        .append(serfLan)
        .append(", \"serf_wan\": ")
        .append(serfWan)
        .append(", \"server\": ")
        .append(serverPort)
        .append("},\n");
    b.append("  \"disable_update_check\": true,\n");
    b.append("  \"log_level\": \"info\",\n");
    if (mode != Mode.DEV) {
      b.append("  \"data_dir\": \"").append(dir.resolve("data")).append("\",\n");
      b.append("  \"performance\": {\"raft_multiplier\": 1},\n");
    }
    if (mode == Mode.SERVER) {
      b.append("  \"server\": true, \"bootstrap_expect\": ").append(bootstrapExpect).append(",\n");
    }
    if (!join.isEmpty()) {
      b.append("  \"retry_join\": [")
          .append(join.stream().map(j -> "\"" + j + "\"").collect(Collectors.joining(", ")))
          .append("],\n");
      b.append("  \"retry_interval\": \"1s\",\n");
    }
    if (!extraJson.isBlank()) {
      b.append("  ").append(extraJson.strip()).append(",\n");
    }
    b.append("  \"enable_script_checks\": false\n}\n");
    return b.toString();
  }

  /** Ports handed out by this JVM: never handed out twice (an agent may be restarted on them). */
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  /**
   * Ports free for both TCP and UDP (Serf uses both) at the time of asking, below the kernel's
   * ephemeral range, so no outgoing connection (of this test or another process) takes one between
   * choosing it and the agent binding it: port 0 would hand out an ephemeral port.
   */
  private static List<Integer> freePorts(int n) {
    int low = ephemeralLow();
    List<Integer> ports = new ArrayList<>();
    while (ports.size() < n) {
      int p = 10_000 + ThreadLocalRandom.current().nextInt(Math.max(1000, low - 10_000));
      if (HANDED_OUT.contains(p)) {
        continue;
      }
      try (ServerSocket s = new ServerSocket(p, 1, InetAddress.getLoopbackAddress());
          DatagramSocket d = new DatagramSocket(p, InetAddress.getLoopbackAddress())) {
        if (HANDED_OUT.add(p)) {
          ports.add(p);
        }
      } catch (IOException taken) {
        // try another port
      }
    }
    return ports;
  }

  private static int ephemeralLow() {
    try {
      return Integer.parseInt(
          Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
              .strip()
              .split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return 32768;
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
