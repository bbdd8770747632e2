package org.kvexpress;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.commons.io.FileUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvexpress.core.Checksum;
import org.kvexpress.testing.Await;
import org.kvexpress.testing.CliRun;
import org.kvexpress.testing.ConsulAgent;
import org.kvexpress.testing.ConsulBinary;
import org.kvexpress.testing.Http;
import org.kvexpress.testing.Jar;
import org.kvexpress.testing.Lines;

/**
 * A real Consul cluster on loopback (three servers, two client agents, each with its own ports,
 * data directory and node name), and what kvexpress promises on it when agents and the leader fail.
 */
@Tag("real-consul-only")
class ClusterIT {
  private static final List<ConsulAgent> SERVERS = new ArrayList<>();
  private static ConsulAgent client1;
  private static ConsulAgent client2;
  private static Path clusterDir;
  @TempDir Path tmp;

  @BeforeAll
  static void startCluster() throws IOException {
    clusterDir = Files.createTempDirectory("kvexpress-cluster-");
    for (int i = 1; i <= 3; i++) {
      SERVERS.add(ConsulAgent.server("server-" + i, clusterDir.resolve("server-" + i), 3));
    }
    for (ConsulAgent s : SERVERS) {
      s.joining(SERVERS).start();
    }
    client1 =
        ConsulAgent.client("client-1", clusterDir.resolve("client-1")).joining(SERVERS).start();
    client2 = ConsulAgent.client("client-2", clusterDir.resolve("client-2")).joining(SERVERS);
    // client-2 runs a key watch as the blog post's nodes did; its handler is the real launcher.
    client2.withConfig(watchConfig(clusterDir.resolve("client-2-node"), client2.address())).start();
    for (ConsulAgent a : all()) {
      a.awaitLeader(Duration.ofSeconds(60));
    }
  }

  @AfterAll
  static void stopCluster() {
    ConsulAgent.stopAll(all());
    FileUtils.deleteQuietly(clusterDir.toFile());
  }

  @BeforeEach
  void everyServerRuns() throws IOException {
    for (ConsulAgent a : all()) {
      if (!a.running()) {
        a.start();
      }
    }
    for (ConsulAgent a : all()) {
      a.awaitLeader(Duration.ofSeconds(60));
    }
  }

  private static List<ConsulAgent> all() {
    List<ConsulAgent> agents = new ArrayList<>(SERVERS);
    if (client1 != null) {
      agents.add(client1);
    }
    if (client2 != null) {
      agents.add(client2);
    }
    return agents;
  }

  private static String watchConfig(Path node, String agentAddress) throws IOException {
    Files.createDirectories(node);
    Path handler = node.resolve("handler.sh");
    // Counts every firing, then runs out exactly as a node's watch handler would.
    Files.writeString(
        handler,
        "#!/bin/sh\necho fired >> "
            + node.resolve("fired")
            + "\nexec "
            + ConsulBinary.projectRoot().resolve("bin/kvexpress")
            + " out -k watched -f "
            + node.resolve("watched.conf")
            + " -s "
            + agentAddress
            + " -e 'echo reload >> "
            + node.resolve("reloads")
            + "' --soft\n");
    handler.toFile().setExecutable(true);
    return "\"watches\": [{\"type\": \"key\", \"key\": \"kvexpress/watched/checksum\", \"handler_type\": \"script\", "
        + "\"args\": [\""
        + handler
        + "\"]}]";
  }

  private static ConsulAgent leader() {
    HttpResponse<String> r =
        Http.get(
            SERVERS.get(0).running()
                ? SERVERS.get(0).url("/v1/status/leader")
                : SERVERS.get(1).url("/v1/status/leader"));
    String addr = r.body().strip().replace("\"", "");
    return SERVERS.stream()
        .filter(s -> s.rpcAddress().equals(addr))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no server is the leader " + addr));
  }

  private static String version(int i) {
    return Lines.hosts(20) + "version " + String.format("%03d", i) + "\n";
  }

  /** Sorted, as in's canonical form stores it: the checksum every node must end with. */
  private static String sumOf(String text) {
    List<String> lines = new ArrayList<>(List.of(text.split("\n")));
    Collections.sort(lines);
    return Checksum.sha256Hex((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
  }

  /** A read that waits out an election: the agent answers 500 while the cluster has no leader. */
  private static Map<String, String> readVersion(ConsulAgent via) {
    AtomicReference<HttpResponse<String>> answer = new AtomicReference<>();
    Await.until(
        "an answer from " + via.name(),
        Duration.ofSeconds(30),
        () -> {
          answer.set(Http.tryGet(via.url("/v1/kv/kvexpress/burst/?recurse")));
          return answer.get() != null && answer.get().statusCode() == 200;
        });
    Map<String, String> out = new HashMap<>();
    for (var e : JsonParser.parseString(answer.get().body()).getAsJsonArray()) {
      var o = e.getAsJsonObject();
      String v =
          o.get("Value").isJsonNull()
              ? ""
              : new String(
                  Base64.getDecoder().decode(o.get("Value").getAsString()), StandardCharsets.UTF_8);
      out.put(o.get("Key").getAsString().substring("kvexpress/burst/".length()), v);
    }
    return out;
  }

  @Test
  void killingTheLeaderDuringABurstLosesNoAcknowledgedPublishAndNoReaderSeesAHalfVersion()
      throws Exception {
    int publishes = 40;
    AtomicBoolean done = new AtomicBoolean();
    Map<String, Integer> outCodes = new ConcurrentHashMap<>();
    List<String> badReads = Collections.synchronizedList(new ArrayList<>());
    Set<String> everyChecksum = ConcurrentHashMap.newKeySet();
    for (int i = 0; i < publishes; i++) {
      everyChecksum.add(sumOf(version(i)));
    }
    List<Thread> readers = new ArrayList<>();
    for (ConsulAgent node : List.of(client1, client2)) {
      Path file = tmp.resolve(node.name() + "/burst.conf");
      Thread t =
          new Thread(
              () -> {
                while (!done.get()) {
                  CliRun.Result r =
                      CliRun.against(node.address())
                          .hostname(node.name())
                          .run("out", "-k", "burst", "-f", file.toString(), "--retry-for", "30s");
                  outCodes.merge(node.name() + " exit " + r.code(), 1, Integer::sum);
                  if (r.code() != 0
                      && r.code() != 1
                      && !r.err().contains("reason=nothing_published")) {
                    badReads.add(node.name() + ": " + r.err());
                  }
                  try {
                    if (Files.exists(file)
                        && !everyChecksum.contains(Checksum.sha256Hex(Files.readAllBytes(file)))) {
                      badReads.add(node.name() + ": the file is no published version");
                    }
                  } catch (IOException e) {
                    badReads.add(node.name() + ": " + e);
                  }
                }
              },
              "out-" + node.name());
      t.start();
      readers.add(t);
    }
    List<Integer> acknowledged = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    ConsulAgent killed = null;
    try {
      for (int i = 0; i < publishes; i++) {
        if (i == 12) {
          killed = leader();
          killed.kill();
        }
        CliRun.Result r =
            CliRun.against(client1.address()).stdin(version(i)).run("in", "-k", "burst", "-l", "1");
        assertThat(r.code()).as("publish %d: %s", i, r.err()).isIn(0, 1);
        if (r.code() == 1) {
          // One clear error line; before it at most one warning that Consul is not answering.
          List<String> lines = List.of(r.err().strip().split("\n"));
          assertThat(lines.get(lines.size() - 1)).as("one clear line").contains("result=failed");
          assertThat(lines.subList(0, lines.size() - 1))
              .as("at most one retry warning before it")
              .hasSizeLessThanOrEqualTo(1)
              .allMatch(l -> l.contains("(consul)") && l.contains("retrying="));
          failures.add(r.err().strip());
          continue;
        }
        assertThat(r.err()).contains("result=published");
        // The chain: right after an acknowledged publish, data is this version and last is a
        // version published after the previous acknowledged one (or that one itself): nothing
        // acknowledged is lost.
        Map<String, String> now = readVersion(client1);
        assertThat(now.get("checksum")).as("publish %d is current", i).isEqualTo(sumOf(version(i)));
        if (!acknowledged.isEmpty()) {
          int previous = acknowledged.get(acknowledged.size() - 1);
          String lastSum = Checksum.sha256Hex(now.get("last").getBytes(StandardCharsets.UTF_8));
          List<String> allowed = new ArrayList<>();
          for (int j = previous; j < i; j++) {
            allowed.add(sumOf(version(j)));
          }
          assertThat(lastSum)
              .as("last after publish %d chains back to publish %d", i, previous)
              .isIn(allowed);
        }
        acknowledged.add(i);
      }
    } finally {
      done.set(true);
      for (Thread t : readers) {
        t.join(60_000);
      }
    }
    assertThat(killed).isNotNull();
    assertThat(acknowledged).as("failures: " + failures).hasSizeGreaterThanOrEqualTo(publishes - 3);
    assertThat(badReads).isEmpty();
    // Every node converges on the last version once a leader is elected.
    String finalSum = sumOf(version(acknowledged.get(acknowledged.size() - 1)));
    for (ConsulAgent node : List.of(client1, client2)) {
      Path file = tmp.resolve(node.name() + "/burst.conf");
      CliRun.Result r =
          CliRun.against(node.address())
              .hostname(node.name())
              .run("out", "-k", "burst", "-f", file.toString(), "--retry-for", "30s");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(Checksum.sha256Hex(Files.readAllBytes(file))).isEqualTo(finalSum);
    }
    System.out.println(
        "cluster burst: acknowledged="
            + acknowledged.size()
            + " failed="
            + failures.size()
            + " out="
            + new TreeMap<>(outCodes)
            + " killed="
            + killed.name());
  }

  @Test
  void aRestartedClientAgentFiresItsWatchAgainAndOutIsANoOp() throws Exception {
    Path node = clusterDir.resolve("client-2-node");
    Path fired = node.resolve("fired");
    Path reloads = node.resolve("reloads");
    Path file = node.resolve("watched.conf");
    int reloadsAtStart = countLines(reloads);
    CliRun.Result pub =
        CliRun.against(client1.address())
            .stdin(Lines.hosts(30) + "v " + System.nanoTime() + "\n")
            .run("in", "-k", "watched");
    assertThat(pub.code()).as(pub.err()).isZero();
    String sum = readSum(client1, "watched");
    // Applied and reloaded: the handler writes the file first and reloads after.
    await(
        () ->
            Files.exists(file)
                && Checksum.sha256Hex(Files.readAllBytes(file)).equals(sum)
                && countLines(reloads) > reloadsAtStart,
        "the watch applied and reloaded");
    int reloadsBefore = countLines(reloads);
    long inodeBefore = inode(file);
    int firedBefore = countLines(fired);
    client2.stop();
    client2.start();
    client2.awaitLeader(Duration.ofSeconds(60));
    await(
        () -> countLines(fired) > firedBefore,
        "the watch fired again after the agent's restart (consul#571)");
    Await.holdsFor(
        "no reload and no rewrite for an unchanged file while the handler finishes",
        Duration.ofSeconds(1),
        () -> countLines(reloads) == reloadsBefore && inode(file) == inodeBefore);
  }

  @Test
  void aWatcherSurvivesItsAgentsRestartAndAppliesWhatWasPublishedMeanwhile() throws Exception {
    Path file = tmp.resolve("watch/hosts.conf");
    CliRun.Result first =
        CliRun.against(SERVERS.get(0).address())
            .stdin(Lines.hosts(15) + "first\n")
            .run("in", "-k", "survive");
    assertThat(first.code()).as(first.err()).isZero();
    Process watcher =
        Jar.command(
                Map.of("CONSUL_HTTP_ADDR", client1.address()),
                "out",
                "-k",
                "survive",
                "-f",
                file.toString(),
                "--watch",
                "--retry-for",
                "120s")
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("watcher.log").toFile())
            .start();
    try {
      String firstSum = readSum(SERVERS.get(0), "survive");
      await(
          () -> Files.exists(file) && Checksum.sha256Hex(Files.readAllBytes(file)).equals(firstSum),
          "first version");
      client1.stop();
      CliRun.Result second =
          CliRun.against(SERVERS.get(1).address())
              .stdin(Lines.hosts(15) + "second\n")
              .run("in", "-k", "survive");
      assertThat(second.code()).as(second.err()).isZero();
      String secondSum = readSum(SERVERS.get(1), "survive");
      Await.holdsFor("the watcher to outlive its agent", Duration.ofSeconds(2), watcher::isAlive);
      client1.start();
      client1.awaitLeader(Duration.ofSeconds(60));
      await(
          () -> Checksum.sha256Hex(Files.readAllBytes(file)).equals(secondSum),
          "the version published meanwhile");
    } finally {
      watcher.destroy();
      watcher.waitFor(10, TimeUnit.SECONDS);
      if (watcher.isAlive()) {
        watcher.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * Propagation on the cluster: six nodes apply through the two client agents, each as its own node
   * with --report, two more never get the new version (one locked, one gone); a server answers
   * status --latency.
   */
  @Test
  void statusLatencyOnTheClusterCountsEveryReportingNode() throws Exception {
    assertThat(
            CliRun.against(client1.address())
                .stdin(Lines.hosts(20))
                .run("in", "-k", "spread")
                .code())
        .isZero();
    List<String> nodes =
        List.of("n-1", "n-2", "n-3", "n-4", "n-5", "n-6", "locked-node", "gone-node");
    for (String n : List.of("locked-node", "gone-node")) {
      assertThat(
              CliRun.against(client2.address())
                  .run(
                      "out",
                      "-k",
                      "spread",
                      "-f",
                      tmp.resolve(n).toString(),
                      "--hostname",
                      n,
                      "--report")
                  .code())
          .isZero();
    }
    assertThat(
            CliRun.against(client2.address())
                .run(
                    "lock",
                    "-f",
                    tmp.resolve("locked-node").toString(),
                    "--hostname",
                    "locked-node")
                .code())
        .isZero();
    assertThat(
            CliRun.against(client1.address())
                .stdin(Lines.hosts(25))
                .run("in", "-k", "spread")
                .code())
        .isZero();
    for (int i = 0; i < nodes.size() - 1; i++) {
      ConsulAgent via = i % 2 == 0 ? client1 : client2;
      CliRun.against(via.address())
          .run(
              "out",
              "-k",
              "spread",
              "-f",
              tmp.resolve(nodes.get(i)).toString(),
              "--hostname",
              nodes.get(i),
              "--report");
    }
    CliRun.Result r =
        CliRun.against(SERVERS.get(0).address()).run("status", "-k", "spread", "--latency");
    assertThat(r.code()).as(r.err()).isZero();
    System.out.println("cluster latency:\n" + r.out());
    assertThat(r.out())
        .contains("spread: 6 of 8 reporting nodes hold")
        .contains("publish -> apply over 6 nodes")
        .contains("not holding it: gone-node, locked-node");
  }

  private static String readSum(ConsulAgent via, String key) {
    return Http.get(via.url("/v1/kv/kvexpress/" + key + "/checksum?raw")).body();
  }

  private static int countLines(Path p) throws IOException {
    return Files.exists(p) ? Files.readAllLines(p).size() : 0;
  }

  private static long inode(Path p) throws IOException {
    return ((Number) Files.getAttribute(p, "unix:ino")).longValue();
  }

  private interface Condition {
    boolean holds() throws Exception;
  }

  private static void await(Condition c, String what) {
    Await.until(what, Duration.ofSeconds(60), c::holds);
  }
}
