package org.kvexpress.bench;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.io.FileUtils;
import org.kvexpress.testing.ConsulAgent;
import org.kvexpress.testing.ConsulBinary;

/**
 * The real-fleet benchmark behind bench/fleet.sh: one Consul server and N client agents on
 * loopback, each client a node that applies a 1,200-line file (a) from an agent key watch whose
 * handler runs {@code kvexpress out}, as the original kvexpress blog post shows, and (b) with
 * {@code out --watch}. For each of five versions it times, per node, the start of {@code in} to the
 * node's reload hook (which runs right after the file is renamed into place), over all nodes and
 * for the node that finished last (per publish, then its median and worst over the versions), and
 * what the server spent per node per publish: RPC requests (counted from the server's own statsd
 * telemetry), CPU time and read+write bytes (sockets and disk, from /proc/PID).
 */
public final class Fleet {
  private static final String RENDERED_LINES = "1200";

  private Fleet() {}

  public static void main(String[] args) throws Exception {
    int nodes = 10;
    int versions = 5;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--nodes" -> nodes = Integer.parseInt(args[++i]);
        case "--versions" -> versions = Integer.parseInt(args[++i]);
        default ->
            throw new IllegalArgumentException("usage: bench/fleet.sh [--nodes N] [--versions V]");
      }
    }
    Path root = ConsulBinary.projectRoot();
    Path launcher = root.resolve("bin/kvexpress");
    Path dir =
        Files.isWritable(Path.of("/dev/shm"))
            ? Files.createTempDirectory(Path.of("/dev/shm"), "kvexpress-fleet-")
            : Files.createTempDirectory("kvexpress-fleet-");
    List<ConsulAgent> agents = new ArrayList<>();
    List<Process> watchers = new ArrayList<>();
    try (DatagramSocket statsd = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      RpcCounter rpc = new RpcCounter(statsd);
      rpc.start();
      ConsulAgent server =
          ConsulAgent.server("server", dir.resolve("server"), 1)
              .withConfig(
                  "\"telemetry\": {\"statsd_address\": \"127.0.0.1:"
                      + statsd.getLocalPort()
                      + "\", \"disable_hostname\": true}");
      agents.add(server.start());
      server.awaitLeader(Duration.ofSeconds(60));
      List<ConsulAgent> clients = new ArrayList<>();
      for (int i = 1; i <= nodes; i++) {
        ConsulAgent c =
            ConsulAgent.client("node-" + i, dir.resolve("agent-" + i)).joining(List.of(server));
        Path node = dir.resolve("node-" + i);
        Files.createDirectories(node);
        c.withConfig(
            "\"watches\": [{\"type\": \"key\", \"key\": \"kvexpress/fleet-handler/checksum\", "
                + "\"handler_type\": \"script\", \"args\": [\""
                + launcher
                + "\", \"out\", \"-k\", \"fleet-handler\", "
                + "\"-f\", \""
                + node.resolve("handler.conf")
                + "\", \"-s\", \""
                + c.address()
                + "\", \"-q\", \"-e\", "
                + "\"date +%s%N >> "
                + node.resolve("handler.applied")
                + "\", \"--soft\"]}]");
        agents.add(c.start());
        clients.add(c);
      }
      for (ConsulAgent c : clients) {
        c.awaitLeader(Duration.ofSeconds(60));
      }
      System.out.printf(
          "fleet: consul %s, 1 server + %d client agents, %s lines per version, %d versions%n",
          ConsulBinary.version(), nodes, RENDERED_LINES, versions);

      Mode handlers = new Mode("handler", "fleet-handler", "handler.applied");
      run(handlers, launcher, server, dir, nodes, versions, rpc);
      for (int i = 1; i <= nodes; i++) {
        Path node = dir.resolve("node-" + i);
        ProcessBuilder pb =
            new ProcessBuilder(
                    launcher.toString(),
                    "out",
                    "--watch",
                    "-k",
                    "fleet-watch",
                    "-f",
                    node.resolve("watch.conf").toString(),
                    "-s",
                    clients.get(i - 1).address(),
                    "-q",
                    "-e",
                    "date +%s%N >> " + node.resolve("watch.applied"))
                .redirectErrorStream(true)
                .redirectOutput(node.resolve("watch.log").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("CONSUL_"));
        watchers.add(pb.start());
      }
      run(
          new Mode("watch", "fleet-watch", "watch.applied"),
          launcher,
          server,
          dir,
          nodes,
          versions,
          rpc);
    } finally {
      for (Process w : watchers) {
        w.destroy();
        w.waitFor(10, TimeUnit.SECONDS);
      }
      ConsulAgent.stopAll(agents);
      FileUtils.deleteQuietly(dir.toFile());
    }
  }

  /**
   * One way of applying: which key its nodes follow and where their reload hook stamps the time.
   */
  private record Mode(String name, String key, String stampFile) {}

  private static void run(
      Mode mode,
      Path launcher,
      ConsulAgent server,
      Path dir,
      int nodes,
      int versions,
      RpcCounter rpc)
      throws Exception {
    // Version 0 warms every node up (and, for handlers, is what the agents' first firing applies).
    publish(launcher, server, dir, mode, 0);
    awaitStamps(dir, mode, nodes, 1);
    Thread.sleep(1000);
    List<Long> fromStart = new ArrayList<>();
    List<Long> fromCommit = new ArrayList<>();
    // Per publish, the node that finished last: what "the file reached the fleet" means.
    List<Long> lastFromStart = new ArrayList<>();
    List<Long> lastFromCommit = new ArrayList<>();
    long cpuTicks = 0;
    long ioBytes = 0;
    long requests = 0;
    for (int v = 1; v <= versions; v++) {
      Map<Integer, Integer> before = stampCounts(dir, nodes, mode);
      long ticks0 = cpuTicks(server.pid());
      long io0 = ioBytes(server.pid());
      long rpc0 = rpc.count.get();
      long started = epochNanos();
      long committed = publish(launcher, server, dir, mode, v);
      awaitNewStamps(dir, mode, nodes, before);
      Thread.sleep(
          300); // let the last node's handler and its blocking query settle before reading the
      // costs
      long last = Long.MIN_VALUE;
      for (int i = 1; i <= nodes; i++) {
        long stamp = lastStamp(dir.resolve("node-" + i).resolve(mode.stampFile()));
        fromStart.add(stamp - started);
        fromCommit.add(stamp - committed);
        last = Math.max(last, stamp);
      }
      lastFromStart.add(last - started);
      lastFromCommit.add(last - committed);
      cpuTicks += cpuTicks(server.pid()) - ticks0;
      ioBytes += ioBytes(server.pid()) - io0;
      requests += rpc.count.get() - rpc0;
      Thread.sleep(500);
    }
    long perNodePublish = (long) nodes * versions;
    System.out.printf(
        "mode=%s nodes=%d versions=%d in_start_to_node_ms p50=%.0f p90=%.0f max=%.0f "
            + "in_exit_to_node_ms p50=%.0f p90=%.0f max=%.0f in_start_to_last_node_ms p50=%.0f max=%.0f "
            + "in_exit_to_last_node_ms p50=%.0f max=%.0f server_per_node_per_publish rpc_requests=%.1f "
            + "cpu_ms=%.2f io_bytes=%d%n",
        mode.name(),
        nodes,
        versions,
        pct(fromStart, 50),
        pct(fromStart, 90),
        pct(fromStart, 100),
        pct(fromCommit, 50),
        pct(fromCommit, 90),
        pct(fromCommit, 100),
        pct(lastFromStart, 50),
        pct(lastFromStart, 100),
        pct(lastFromCommit, 50),
        pct(lastFromCommit, 100),
        (double) requests / perNodePublish,
        cpuTicks * 10.0 / perNodePublish,
        ioBytes / perNodePublish);
  }

  /**
   * Runs {@code in} as a real process; returns the wall-clock time it exited (its commit was
   * answered).
   */
  private static long publish(Path launcher, ConsulAgent server, Path dir, Mode mode, int version)
      throws IOException, InterruptedException {
    StringBuilder b = new StringBuilder();
    int lines = Integer.parseInt(RENDERED_LINES) - 1;
    for (int i = 0; i < lines; i++) {
      b.append("10.")
          .append(i / 250 / 250)
          .append('.')
          .append(i / 250 % 250)
          .append('.')
          .append(i % 250 + 1)
          .append(" node-")
          .append(i)
          .append(".node.consul\n");
    }
    b.append("# version ").append(version).append('\n');
    Path input = dir.resolve("input-" + mode.name());
    Files.writeString(input, b.toString(), StandardCharsets.UTF_8);
    ProcessBuilder pb =
        new ProcessBuilder(
                launcher.toString(),
                "in",
                "-k",
                mode.key(),
                "-f",
                input.toString(),
                "-s",
                server.address(),
                "-q")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().keySet().removeIf(k -> k.startsWith("CONSUL_"));
    Process p = pb.start();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("kvexpress in failed for version " + version);
    }
    return epochNanos();
  }

  private static void awaitStamps(Path dir, Mode mode, int nodes, int atLeast) throws Exception {
    Map<Integer, Integer> zero = new ConcurrentHashMap<>();
    for (int i = 1; i <= nodes; i++) {
      zero.put(i, atLeast - 1);
    }
    awaitNewStamps(dir, mode, nodes, zero);
  }

  private static void awaitNewStamps(Path dir, Mode mode, int nodes, Map<Integer, Integer> before)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (System.nanoTime() < deadline) {
      Map<Integer, Integer> now = stampCounts(dir, nodes, mode);
      boolean all = true;
      for (int i = 1; i <= nodes; i++) {
        all &= now.get(i) > before.get(i);
      }
      if (all) {
        return;
      }
      Thread.sleep(5);
    }
    throw new IllegalStateException(mode.name() + ": not every node applied within 120 s");
  }

  private static Map<Integer, Integer> stampCounts(Path dir, int nodes, Mode mode)
      throws IOException {
    Map<Integer, Integer> counts = new ConcurrentHashMap<>();
    for (int i = 1; i <= nodes; i++) {
      Path f = dir.resolve("node-" + i).resolve(mode.stampFile());
      counts.put(
          i,
          Files.exists(f)
              ? (int) Files.readString(f).lines().filter(l -> !l.isBlank()).count()
              : 0);
    }
    return counts;
  }

  private static long lastStamp(Path f) throws IOException {
    List<String> lines = Files.readAllLines(f);
    return Long.parseLong(lines.get(lines.size() - 1).strip());
  }

  private static long epochNanos() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  private static double pct(List<Long> nanos, int p) {
    List<Long> sorted = new ArrayList<>(nanos);
    Collections.sort(sorted);
    int i = Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1);
    return sorted.get(Math.max(0, i)) / 1e6;
  }

  /** utime + stime of a process, in clock ticks (10 ms on Linux). */
  private static long cpuTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  /** rchar + wchar: every byte the process read or wrote, sockets and files alike. */
  private static long ioBytes(long pid) throws IOException {
    long total = 0;
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/io"))) {
      if (line.startsWith("rchar:") || line.startsWith("wchar:")) {
        total += Long.parseLong(line.substring(6).strip());
      }
    }
    return total;
  }

  /**
   * Sums the server's {@code consul.rpc.request} and {@code consul.rpc.query} counters from its
   * statsd stream.
   */
  private static final class RpcCounter extends Thread {
    private final DatagramSocket socket;
    final AtomicLong count = new AtomicLong();

    RpcCounter(DatagramSocket socket) {
      super("statsd");
      this.socket = socket;
      setDaemon(true);
    }

    @Override
    public void run() {
      byte[] buf = new byte[65536];
      while (!socket.isClosed()) {
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        try {
          socket.receive(p);
        } catch (IOException e) {
          return;
        }
        for (String line : new String(buf, 0, p.getLength(), StandardCharsets.UTF_8).split("\n")) {
          if (line.startsWith("consul.rpc.request:") || line.startsWith("consul.rpc.query:")) {
            String value = line.substring(line.indexOf(':') + 1, line.indexOf('|'));
            count.addAndGet((long) Double.parseDouble(value));
          }
        }
      }
    }
  }
}
