package org.kvexpress.datacenters;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvexpress.core.Canonicalizer;
import org.kvexpress.core.Checksum;
import org.kvexpress.testing.Await;
import org.kvexpress.testing.CliRun;
import org.kvexpress.testing.Cluster;
import org.kvexpress.testing.ConsulAgent;
import org.kvexpress.testing.Http;
import org.kvexpress.testing.Jar;

/**
 * Two datacenters of real Consul 1.8.7 on loopback, WAN-joined: a 3-server primary (dc1) and a
 * one-server dc2, each with a client agent. Publishing to both, a partitioned dc2 catching up
 * through {@code replicate}, and consul-replicate#82's scenario: the source's servers killed and
 * restarted while versions are published and replicated, with every state dc2 ever showed recorded
 * and checked (never empty, short, torn or older), then convergence.
 */
@Tag("real-consul-only")
class DatacentersIT {
  static final String KEY = "app";
  @TempDir Path tmp;

  @Test
  void publishEverywhereCatchUpAndNeverReplicateEmptyOrOlder() throws Exception {
    try (Cluster dc1 = Cluster.start(3, 1)) {
      ConsulAgent dc2Server =
          ConsulAgent.server("dc2-server", tmp.resolve("dc2-server"), 1)
              .withConfig(
                  "\"datacenter\": \"dc2\", \"retry_join_wan\": [\""
                      + dc1.servers().get(0).serfWanAddress()
                      + "\"], \"retry_interval_wan\": \"1s\"");
      ConsulAgent dc2Client =
          ConsulAgent.client("dc2-client", tmp.resolve("dc2-client"))
              .withConfig("\"datacenter\": \"dc2\"")
              .joining(List.of(dc2Server));
      Process watcher = null;
      Process replicator = null;
      try {
        dc2Server.start();
        dc2Client.joining(List.of(dc2Server)).start();
        dc2Server.awaitLeader(Duration.ofSeconds(60));
        String local = dc1.clients().get(0).address();
        Await.until(
            "dc1 sees dc2 over the WAN",
            Duration.ofSeconds(60),
            () ->
                Http.get("http://" + local + "/v1/catalog/datacenters").body().contains("dc2")
                    && Http.tryGet("http://" + local + "/v1/kv/x?dc=dc2") != null
                    && Http.get("http://" + local + "/v1/kv/x?dc=dc2").statusCode() == 404);
        CliRun op = CliRun.against(local);

        // 1. One publish, both datacenters, through the local agent.
        CliRun.Result both =
            op.stdin(lines(1)).run("in", "-k", KEY, "-l", "5", "--datacenters", "dc1,dc2");
        assertThat(both.code()).as(both.all()).isZero();
        assertThat(both.err()).contains("datacenters=dc1:published,dc2:published");
        assertThat(checksumIn(dc2Server)).isEqualTo(sum(lines(1)));

        // 2. dc2 partitioned (its server paused): dc1 commits, dc2 is named behind, exit 1.
        dc2Server.pause();
        CliRun.Result partial =
            op.stdin(lines(2)).run("in", "-k", KEY, "-l", "5", "--datacenters", "dc1,dc2");
        assertThat(partial.code()).as(partial.all()).isOne();
        assertThat(partial.err()).contains("dc1:published").contains("behind=dc2");
        assertThat(checksumIn(dc1.servers().get(0))).isEqualTo(sum(lines(2)));
        dc2Server.resume();

        // ... and catches up through replicate, without a new publish.
        replicator =
            Jar.command(
                    Map.of("CONSUL_HTTP_ADDR", local),
                    "replicate",
                    "--from",
                    "dc1",
                    "--to",
                    "dc2",
                    "-k",
                    KEY,
                    "-l",
                    "5",
                    "--recheck",
                    "2s",
                    "--retry-for",
                    "3s")
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve("replicate.out").toFile())
                .start();
        Await.until(
            "dc2 caught up",
            Duration.ofSeconds(30),
            () -> sum(lines(2)).equals(checksumIn(dc2Server)));
        CliRun.Result status = op.run("status", "--datacenters", "dc1,dc2");
        assertThat(status.code()).as(status.all()).isZero();
        assertThat(status.out()).contains("dc2").doesNotContain("s (dc1 has");

        // 3. Lag: publish in dc1, applied by a node in dc2 (out --watch on dc2's client).
        Path file = tmp.resolve("dc2-node/app.conf");
        Files.createDirectories(file.getParent());
        watcher =
            Jar.command(
                    Map.of("CONSUL_HTTP_ADDR", dc2Client.address()),
                    "out",
                    "--watch",
                    "-k",
                    KEY,
                    "-f",
                    file.toString(),
                    "-l",
                    "5")
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve("dc2-watch.out").toFile())
                .start();
        Path watched = file;
        Await.until(
            "the dc2 node applied", Duration.ofSeconds(30), () -> fileIs(watched, lines(2)));
        List<Long> lags = new ArrayList<>();
        long dc1Cpu = cpuMillis(dc1.servers());
        long dc2Cpu = cpuMillis(List.of(dc2Server));
        for (int v = 3; v <= 7; v++) {
          long start = System.nanoTime();
          assertThat(op.stdin(lines(v)).run("in", "-k", KEY, "-l", "5").code()).isZero();
          String want = lines(v);
          Await.until("dc2 node has v" + v, Duration.ofSeconds(30), () -> fileIs(watched, want));
          lags.add((System.nanoTime() - start) / 1_000_000);
        }
        System.out.printf(
            "DatacentersIT server CPU per version replicated (publish in dc1, replicate, one dc2"
                + " node applying): dc1's 3 servers %.1f ms, dc2's server %.1f ms%n",
            (cpuMillis(dc1.servers()) - dc1Cpu) / 5.0,
            (cpuMillis(List.of(dc2Server)) - dc2Cpu) / 5.0);
        Collections.sort(lags);
        System.out.printf(
            "DatacentersIT lag, publish in dc1 -> file applied on a dc2 node: %s ms (median %d)%n",
            lags, lags.get(lags.size() / 2));

        // 4. consul-replicate#82: dc1's servers killed and restarted while publishing.
        Set<String> attempted = ConcurrentHashMap.newKeySet();
        List<String> violations = Collections.synchronizedList(new ArrayList<>());
        List<Instant> seenTimes = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean running = new AtomicBoolean(true);
        Thread recorder =
            new Thread(() -> record(dc2Server, running, violations, seenTimes, attempted));
        for (int v = 1; v <= 7; v++) {
          attempted.add(sum(lines(v)));
        }
        recorder.start();
        Thread publisher =
            new Thread(
                () -> {
                  int v = 100;
                  while (running.get()) {
                    String content = lines(v++);
                    attempted.add(sum(content));
                    CliRun.against(local)
                        .stdin(content)
                        .run("in", "-k", KEY, "-l", "5", "--retry-for", "3s");
                    sleep(150);
                  }
                });
        publisher.start();
        Random random = new Random(42);
        int kills = 0;
        for (int round = 0; round < 5; round++) {
          List<ConsulAgent> victims =
              round % 2 == 0
                  ? List.of(dc1.servers().get(random.nextInt(3)))
                  : List.of(dc1.servers().get(0), dc1.servers().get(1));
          for (ConsulAgent s : victims) {
            s.kill();
            kills++;
          }
          sleep(1500 + random.nextInt(1500));
          for (ConsulAgent s : victims) {
            s.start();
          }
          dc1.awaitLeader(Duration.ofSeconds(60));
          sleep(1000);
        }
        running.set(false);
        publisher.join();
        recorder.join();
        String current = checksumIn(dc1.servers().get(0));
        Await.until(
            "dc2 converged on dc1's current version",
            Duration.ofSeconds(60),
            () -> current.equals(checksumIn(dc2Server)));
        System.out.printf(
            "DatacentersIT consul-replicate#82: %d server kills, %d versions attempted, %d dc2"
                + " states recorded, %d violations%n",
            kills, attempted.size(), seenTimes.size(), violations.size());
        assertThat(violations).isEmpty();
        assertThat(seenTimes.size()).isGreaterThan(10);

        // 5. Signed versions: with --trust-key only a signed version crosses, and its signature
        // travels with it, so a dc2 node that trusts the key applies it.
        Path keys = tmp.resolve("keys");
        assertThat(op.run("keygen", "--out", keys.toString(), "--name", "release").code()).isZero();
        String pub = keys.resolve("release.pub").toString();
        CliRun dc2 = CliRun.against(dc2Client.address());
        assertThat(op.stdin(lines(200)).run("in", "-k", "signed", "-l", "5").code()).isZero();
        CliRun.Result unsigned = replicateTrusting(op, pub);
        assertThat(unsigned.code()).as(unsigned.all()).isOne();
        assertThat(unsigned.err()).contains("not replicated").contains("not signed");
        assertThat(
                op.stdin(lines(201))
                    .run(
                        "in",
                        "-k",
                        "signed",
                        "-l",
                        "5",
                        "--sign-key",
                        keys.resolve("release.key").toString())
                    .code())
            .isZero();
        CliRun.Result signed = replicateTrusting(op, pub);
        assertThat(signed.code()).as(signed.all()).isZero();
        Path signedFile = tmp.resolve("dc2-node/signed.conf");
        CliRun.Result applied =
            dc2.run(
                "out", "-k", "signed", "-f", signedFile.toString(), "-l", "5", "--trust-key", pub);
        assertThat(applied.code()).as(applied.all()).isZero();
        assertThat(fileIs(signedFile, lines(201))).isTrue();
      } finally {
        for (Process p : new Process[] {watcher, replicator}) {
          if (p != null) {
            p.destroy();
            if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
              p.destroyForcibly().waitFor();
            }
          }
        }
        ConsulAgent.stopAll(List.of(dc2Client, dc2Server));
      }
    }
  }

  /**
   * Records what dc2 holds every 25 ms (read from its own server, as its nodes see it): the data
   * must never be absent or empty once published, must match its checksum, have at least the
   * minimum lines, be a version somebody published, and never be older (by publish time) than one
   * dc2 showed before.
   */
  private static void record(
      ConsulAgent dc2,
      AtomicBoolean running,
      List<String> violations,
      List<Instant> seen,
      Set<String> attempted) {
    ReplicaChecker checker = new ReplicaChecker(5);
    while (running.get()) {
      HttpResponse<String> r = Http.tryGet(dc2.url("/v1/kv/kvexpress/app/?recurse"));
      if (r != null && r.statusCode() == 200) {
        byte[] data = null;
        String checksum = null;
        Instant time = null;
        for (JsonElement e : JsonParser.parseString(r.body()).getAsJsonArray()) {
          JsonObject o = e.getAsJsonObject();
          String k = o.get("Key").getAsString();
          byte[] v =
              o.get("Value").isJsonNull()
                  ? new byte[0]
                  : Base64.getDecoder().decode(o.get("Value").getAsString());
          switch (k) {
            case "kvexpress/app/data" -> data = v;
            case "kvexpress/app/checksum" -> checksum = new String(v, StandardCharsets.UTF_8);
            case "kvexpress/app/meta" ->
                time =
                    Instant.parse(
                        JsonParser.parseString(new String(v, StandardCharsets.UTF_8))
                            .getAsJsonObject()
                            .get("time")
                            .getAsString());
            default -> {}
          }
        }
        String violation = checker.check(data, checksum, time, attempted);
        if (violation != null) {
          violations.add(violation);
        } else {
          seen.add(time);
        }
      }
      sleep(25);
    }
  }

  /** CPU time (user and system) the agents' processes have used so far, from /proc. */
  private static long cpuMillis(List<ConsulAgent> agents) throws java.io.IOException {
    long ticks = 0;
    for (ConsulAgent a : agents) {
      String stat = Files.readString(Path.of("/proc/" + a.pid() + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
    return ticks * 10; // USER_HZ is 100 on Linux
  }

  /**
   * One {@code replicate --once} pass of the key "signed" from dc1 to dc2, trusting {@code pub}.
   */
  private static CliRun.Result replicateTrusting(CliRun op, String pub) {
    return op.run(
        "replicate",
        "--from",
        "dc1",
        "--to",
        "dc2",
        "-k",
        "signed",
        "-l",
        "5",
        "--once",
        "--trust-key",
        pub);
  }

  private static String lines(int version) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      b.append("backend-").append(i).append(" v").append(version).append('\n');
    }
    return b.toString();
  }

  private static String sum(String content) {
    return Canonicalizer.canonicalize(content.getBytes(StandardCharsets.UTF_8)).checksum();
  }

  private static boolean fileIs(Path file, String content) throws java.io.IOException {
    return Files.exists(file) && Checksum.sha256Hex(Files.readAllBytes(file)).equals(sum(content));
  }

  private static String checksumIn(ConsulAgent agent) {
    HttpResponse<String> r = Http.tryGet(agent.url("/v1/kv/kvexpress/app/checksum?raw"));
    return r == null || r.statusCode() != 200 ? null : r.body();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
