package org.kvexpress.brakes;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * The rollout brakes on real Consul 1.8.7: one server and six client agents, each node running
 * {@code out --watch --reload-slots 2 --health-service app} whose service check (a script check)
 * passes only while the applied file says "good". The reload hook records its own start and end
 * times, so overlaps are measured from what the reloads did, not from what kvexpress says.
 */
@Tag("real-consul-only")
class RolloutBrakesIT {
  static final String KEY = "app";
  static final int NODES = 6;
  static final int SLOTS = 2;

  @TempDir Path tmp;

  private final Map<String, Process> watchers = new LinkedHashMap<>();

  @Test
  void slotsHealthGatesHaltsPromotionsAndLeaks() throws Exception {
    Path hook = tmp.resolve("hook.sh");
    Files.writeString(
        hook,
        """
        #!/bin/sh
        echo "start ${KVEXPRESS_CHECKSUM:-restore} $(date +%s%N)" >> "$1"
        sleep 1
        echo "end ${KVEXPRESS_CHECKSUM:-restore} $(date +%s%N)" >> "$1"
        """);
    try (Cluster cluster = Cluster.start(1, NODES, this::serviceWithScriptCheck)) {
      CliRun publisher = CliRun.against(cluster.servers().get(0).address());
      // (c) A node whose out dies (kill -9) while it holds the only slot of another key: the slot
      // comes back when its session's TTL runs out, and the next node takes it. It mostly waits,
      // so it runs beside the rest.
      CompletableFuture<Void> leak =
          CompletableFuture.runAsync(
              () -> {
                try {
                  slotOfADeadNodeComesBack(cluster);
                } catch (Exception e) {
                  throw new CompletionException(e);
                }
              });
      try {
        // A client agent syncs its services and checks to the catalog shortly after it starts; a
        // gate that finds no check fails closed, so the nodes start once the catalog has them.
        for (int i = 1; i <= NODES; i++) {
          String url = cluster.clients().get(i - 1).url("/v1/health/node/client-" + i);
          Await.until(
              "client-" + i + "'s check is in the catalog",
              Duration.ofSeconds(60),
              () -> Http.get(url).body().contains("\"app-ok\""));
        }
        for (int i = 1; i <= NODES; i++) {
          startWatcher(cluster.clients().get(i - 1), i, hook, i <= 2);
        }
        // v1: every node applies it (its check was critical before, so it is not gated), then
        // passes.
        String v1 = publish(publisher, "good", 1, false);
        awaitEveryFile(v1, Duration.ofSeconds(60));
        assertThat(rollout(publisher, "--halt-after", "2", "--timeout", "60s").code()).isZero();

        // (a) A good version with 2 slots: never more than 2 reloads at once, all healthy.
        String v2 = publish(publisher, "good", 2, false);
        CliRun.Result a = rollout(publisher, "--halt-after", "2", "--timeout", "90s");
        assertThat(a.code()).as(a.all()).isZero();
        awaitEveryFile(v2, Duration.ofSeconds(10));
        List<Reload> reloadsA = reloads(v2);
        assertThat(reloadsA).hasSize(NODES);
        int overlapA = maxOverlap(allReloads());
        System.out.printf(
            "RolloutBrakesIT (a): %d nodes, --reload-slots %d: most reloads at once %d;"
                + " publish to everywhere healthy %.1f s%n",
            NODES, SLOTS, overlapA, span(reloadsA) / 1000.0);
        assertThat(overlapA).isLessThanOrEqualTo(SLOTS);

        // (d) A staged good version: promoted once both canaries held it for 2 s, then
        // everywhere.
        String v5 = publish(publisher, "good", 5, true);
        CliRun.Result d1 =
            rollout(
                publisher,
                "--promote-after",
                "2s",
                "--min-canaries",
                "2",
                "--halt-after",
                "2",
                "--timeout",
                "90s");
        assertThat(d1.code()).as(d1.all()).isZero();
        assertThat(d1.out()).contains("promoted");
        awaitEveryFile(v5, Duration.ofSeconds(10));

        // (d) A staged bad version: a canary fails it, rollout discards it, nobody else gets it.
        String v6 = publish(publisher, "bad", 6, true);
        CliRun.Result d2 =
            rollout(publisher, "--promote-after", "2s", "--min-canaries", "2", "--timeout", "60s");
        assertThat(d2.code()).as(d2.all()).isEqualTo(3);
        assertThat(d2.err()).contains("discarded");
        awaitEveryFile(v5, Duration.ofSeconds(30));
        assertThat(nodesThatReloaded(v6)).allMatch(n -> n <= 2);

        // (b) A bad version: the rollout stops it after at most 2 + (slots - 1) nodes reloaded it;
        // the failing nodes put the previous file back, the others never wrote it.
        String v3 = publish(publisher, "bad", 3, false);
        CliRun.Result b = rollout(publisher, "--halt-after", "2", "--timeout", "90s");
        assertThat(b.code()).as(b.all()).isEqualTo(3);
        assertThat(b.err()).contains("rollout halted").contains(Checksum.shortForm(v3));
        List<Integer> reloadedBad = nodesThatReloaded(v3);
        System.out.printf(
            "RolloutBrakesIT (b): bad version reloaded on %d of %d nodes before the halt (bound"
                + " %d)%n",
            reloadedBad.size(), NODES, 2 + SLOTS - 1);
        assertThat(reloadedBad).hasSizeBetween(2, 2 + SLOTS - 1);
        awaitEveryFile(v5, Duration.ofSeconds(30));
        Await.holdsFor(
            "no node holds the halted version", Duration.ofSeconds(3), () -> everyFileIs(v5));
        String report =
            Http.get(cluster.servers().get(0).url("/v1/kv/kvexpress/app/nodes/?recurse")).body();
        assertThat(decodedValues(report)).contains("\"reason\":\"unhealthy\"").contains("app ok");
        assertThat(maxOverlap(allReloads())).isLessThanOrEqualTo(SLOTS);
        requestsPerNode();
      } catch (AssertionError | RuntimeException e) {
        for (int i = 1; i <= NODES; i++) {
          Path out = tmp.resolve("client-" + i + ".out");
          List<String> all = Files.exists(out) ? Files.readAllLines(out) : List.of();
          System.out.println("---- client-" + i + " (last lines)");
          all.subList(Math.max(0, all.size() - 25), all.size()).forEach(System.out::println);
        }
        throw e;
      } finally {
        stopWatchers();
      }

      costPerVersion(cluster, publisher);
      leak.join();
    }
  }

  private void slotOfADeadNodeComesBack(Cluster cluster) throws Exception {
    CliRun.against(cluster.servers().get(0).address())
        .stdin(lines("slow", 1))
        .run("in", "-k", "slow");
    Process holder =
        Jar.command(
                Map.of("CONSUL_HTTP_ADDR", cluster.clients().get(2).address()),
                "out",
                "-k",
                "slow",
                "-f",
                tmp.resolve("slow-3").toString(),
                "-l",
                "1",
                "--hostname",
                "client-3",
                "--reload-slots",
                "1",
                "-e",
                "sleep 120")
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("slow-3.out").toFile())
            .start();
    try {
      String table = cluster.servers().get(0).url("/v1/kv/kvexpress/slow/slots/.lock?raw");
      Await.until(
          "client-3 holds the slot",
          Duration.ofSeconds(30),
          () -> {
            HttpResponse<String> r = Http.tryGet(table);
            return r != null && r.statusCode() == 200 && r.body().contains("\"Holders\":[\"");
          });
      List<ProcessHandle> tree = new ArrayList<>(holder.descendants().toList());
      holder.destroyForcibly();
      tree.forEach(ProcessHandle::destroyForcibly);
      long killed = System.nanoTime();
      CliRun.Result next =
          CliRun.against(cluster.clients().get(3).address())
              .hostname("client-4")
              .run(
                  "out",
                  "-k",
                  "slow",
                  "-f",
                  tmp.resolve("slow-4").toString(),
                  "-l",
                  "1",
                  "--reload-slots",
                  "1",
                  "-e",
                  "true");
      double back = (System.nanoTime() - killed) / 1e9;
      System.out.printf(
          "RolloutBrakesIT (c): slot of a killed out came back after %.1f s (bound %d s)%n",
          back, 2 * ReloadSlots.SESSION_TTL.toSeconds());
      assertThat(next.code()).as(next.all()).isZero();
      assertThat(back).isLessThanOrEqualTo(2 * ReloadSlots.SESSION_TTL.toSeconds() + 3);
    } finally {
      holder.destroyForcibly();
      holder.waitFor();
    }
  }

  /**
   * Requests one node sends to apply one version, counted from out's own request log (-v): plain,
   * with a reload slot, with a slot and the health gate (client-5's checks pass on its good file).
   */
  private void costPerVersion(Cluster cluster, CliRun publisher) {
    String[][] modes = {
      {},
      {"--reload-slots", "2"},
      {"--reload-slots", "2", "--health-service", "app", "--settle", "1s"}
    };
    String[] names = {"plain", "slots", "slots+health"};
    for (int m = 0; m < modes.length; m++) {
      publisher.stdin(lines("cost", 10 + m)).run("in", "-k", "cost");
      List<String> argv =
          new ArrayList<>(
              List.of(
                  "out",
                  "-v",
                  "-k",
                  "cost",
                  "-f",
                  tmp.resolve("cost").toString(),
                  "-l",
                  "1",
                  "--report"));
      argv.addAll(List.of(modes[m]));
      CliRun.Result r =
          CliRun.against(cluster.clients().get(4).address())
              .hostname("client-5")
              .run(argv.toArray(new String[0]));
      assertThat(r.code()).as(r.all()).isZero();
      assertThat(r.err()).contains("result=applied");
      Map<String, Integer> byKind = new LinkedHashMap<>();
      int total = 0;
      for (String line : r.err().split("\n")) {
        Matcher x = Pattern.compile("request=\"?(\\S+) (/v1/[a-z]+(?:/[a-z]+)?)").matcher(line);
        if (x.find()) {
          byKind.merge(x.group(1) + " " + x.group(2), 1, Integer::sum);
          total++;
        }
      }
      System.out.printf(
          "RolloutBrakesIT cost of one applied version, %s: %d requests %s%n",
          names[m], total, byKind);
    }
  }

  /** Client {@code i}'s service "app", whose script check passes while its file says good. */
  private String serviceWithScriptCheck(int i) {
    Path file = file(i);
    return """
        "enable_local_script_checks": true,
        "services": [{"name": "app", "id": "app", "checks": [{"id": "app-ok", "name": "app ok",
          "args": ["/bin/sh", "-c", "grep -q good %s || { echo 'app says: bad config'; exit 2; }"],
          "interval": "1s"}]}]"""
        .formatted(file);
  }

  private Path file(int i) {
    return tmp.resolve("client-" + i).resolve("app.conf");
  }

  private Path reloadLog(int i) {
    return tmp.resolve("client-" + i + ".reloads");
  }

  private void startWatcher(ConsulAgent agent, int i, Path hook, boolean canary)
      throws IOException {
    Files.createDirectories(file(i).getParent());
    List<String> args =
        new ArrayList<>(
            List.of(
                "out",
                "-v",
                "--watch",
                "-k",
                KEY,
                "-f",
                file(i).toString(),
                "-l",
                "1",
                "--report",
                "--hostname",
                "client-" + i,
                "--reload-slots",
                String.valueOf(SLOTS),
                "--health-service",
                "app",
                "--settle",
                "2s",
                "--healthy-within",
                "20s",
                "-e",
                "sh " + hook + " " + reloadLog(i)));
    if (canary) {
      args.add("--canary");
    }
    Process p =
        Jar.command(Map.of("CONSUL_HTTP_ADDR", agent.address()), args.toArray(new String[0]))
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("client-" + i + ".out").toFile())
            .start();
    watchers.put("client-" + i, p);
  }

  private void stopWatchers() throws InterruptedException {
    for (Process p : watchers.values()) {
      List<ProcessHandle> tree = p.descendants().toList();
      p.destroy();
      tree.forEach(ProcessHandle::destroy);
    }
    for (Process p : watchers.values()) {
      if (!p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
      }
    }
  }

  private static String lines(String word, int version) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 12; i++) {
      b.append(word).append(" line ").append(i).append(" of version ").append(version).append('\n');
    }
    return b.toString();
  }

  /** Publishes (or stages) version {@code n}; returns its checksum. */
  private static String publish(CliRun publisher, String word, int n, boolean stage) {
    String content = lines(word, n);
    List<String> argv = new ArrayList<>(List.of("in", "-k", KEY));
    if (stage) {
      argv.add("--stage");
    }
    CliRun.Result r = publisher.stdin(content).run(argv.toArray(new String[0]));
    assertThat(r.code()).as(r.all()).isZero();
    return Canonicalizer.canonicalize(content.getBytes(StandardCharsets.UTF_8)).checksum();
  }

  private static CliRun.Result rollout(CliRun publisher, String... more) {
    List<String> argv = new ArrayList<>(List.of("rollout", "-k", KEY));
    argv.addAll(List.of(more));
    return publisher.stdin("").run(argv.toArray(new String[0]));
  }

  private void awaitEveryFile(String checksum, Duration within) {
    Await.until("every node's file is " + checksum, within, () -> everyFileIs(checksum));
  }

  private boolean everyFileIs(String checksum) throws IOException {
    watchers.forEach(
        (node, p) -> assertThat(p.isAlive()).as(node + "'s watcher is running").isTrue());
    for (int i = 1; i <= NODES; i++) {
      if (!Files.exists(file(i))
          || !Checksum.sha256Hex(Files.readAllBytes(file(i))).equals(checksum)) {
        return false;
      }
    }
    return true;
  }

  /** One run of a reload hook: its node, the checksum it was given, start and end (ms). */
  record Reload(int node, String checksum, long start, long end) {}

  private static final Pattern LINE = Pattern.compile("(start|end) (\\S+) (\\d+)");

  private List<Reload> allReloads() throws IOException {
    List<Reload> all = new ArrayList<>();
    for (int i = 1; i <= NODES; i++) {
      if (!Files.exists(reloadLog(i))) {
        continue;
      }
      Map<String, Long> open = new LinkedHashMap<>();
      for (String line : Files.readAllLines(reloadLog(i))) {
        Matcher m = LINE.matcher(line);
        if (!m.matches()) {
          continue;
        }
        long ms = Long.parseLong(m.group(3)) / 1_000_000;
        if (m.group(1).equals("start")) {
          open.put(m.group(2), ms);
        } else if (open.containsKey(m.group(2))) {
          all.add(new Reload(i, m.group(2), open.remove(m.group(2)), ms));
        }
      }
    }
    return all;
  }

  private List<Reload> reloads(String checksum) throws IOException {
    return allReloads().stream().filter(r -> r.checksum().equals(checksum)).toList();
  }

  private List<Integer> nodesThatReloaded(String checksum) throws IOException {
    return reloads(checksum).stream().map(Reload::node).distinct().toList();
  }

  /** The most reload hooks running at one instant, from their own start and end times. */
  static int maxOverlap(List<Reload> reloads) {
    int most = 0;
    for (Reload r : reloads) {
      int at = 0;
      for (Reload o : reloads) {
        if (o.start() <= r.start() && r.start() < o.end()) {
          at++;
        }
      }
      most = Math.max(most, at);
    }
    return most;
  }

  private static long span(List<Reload> reloads) {
    long first = reloads.stream().mapToLong(Reload::start).min().orElse(0);
    long last = reloads.stream().mapToLong(Reload::end).max().orElse(0);
    return last - first;
  }

  private static String decodedValues(String listing) {
    StringBuilder b = new StringBuilder();
    Matcher m = Pattern.compile("\"Value\":\"([^\"]*)\"").matcher(listing);
    while (m.find()) {
      b.append(new String(java.util.Base64.getDecoder().decode(m.group(1)), StandardCharsets.UTF_8))
          .append('\n');
    }
    return b.toString();
  }

  /** Prints the requests each watcher sent, from their -v request log lines. */
  private void requestsPerNode() throws IOException {
    for (int i = 1; i <= NODES; i++) {
      Map<String, Integer> byKind = new LinkedHashMap<>();
      for (String line : Files.readAllLines(tmp.resolve("client-" + i + ".out"))) {
        Matcher m = Pattern.compile("request=\"?(\\S+) (/v1/[a-z]+(?:/[a-z]+)?)").matcher(line);
        if (m.find()) {
          byKind.merge(m.group(1) + " " + m.group(2), 1, Integer::sum);
        }
      }
      System.out.printf("RolloutBrakesIT requests of client-%d over the run: %s%n", i, byKind);
    }
  }
}
