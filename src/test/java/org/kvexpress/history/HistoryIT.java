package org.kvexpress.history;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvexpress.agent.Fault;
import org.kvexpress.core.Canonicalizer;
import org.kvexpress.core.Checksum;
import org.kvexpress.core.Meta;
import org.kvexpress.testing.CliRun;
import org.kvexpress.testing.Cluster;
import org.kvexpress.testing.ConsulAgent;
import org.kvexpress.testing.FaultProxy;
import org.kvexpress.testing.Http;
import org.kvexpress.testing.Jar;
import org.kvexpress.testing.Lines;

/**
 * A Jepsen-style history test on a real Consul cluster (three servers, three client agents): two
 * publishers race (one through a proxy that applies some writes and drops their answers), nodes
 * apply every version (two {@code out --watch} processes and a loop of one-shot {@code out}, each
 * recording what it applied from its {@code -e} hook), recorders follow every commit with
 * consistent blocking reads, and a nemesis kills and pauses the leader, other servers (quorum loss
 * included) and client agents, restarts agents, kills {@code in} mid-flight, and runs the
 * operator's flows (stop, rollback, resume). Then everything heals, one last version is published,
 * and {@link HistoryChecker} checks the recorded histories; the run also measures how long the
 * nodes took to converge.
 *
 * <p>Seeded: {@code -Dkvexpress.history.seed=N} repeats a run's choices (timing still varies), and
 * the seed is printed with every result. {@code -Dkvexpress.history.seconds=N} sets the length
 * (default 60); {@code bench/history.sh} runs longer ones and prints the figures.
 */
@Tag("real-consul-only")
class HistoryIT {
  private static final String KEY = "hist";

  /**
   * After healing, the last version must reach every node within this; the run prints what it took.
   */
  private static final Duration CONVERGENCE_BOUND = Duration.ofSeconds(30);

  @TempDir Path tmp;

  private final History history = new History();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<Thread> threads = new ArrayList<>();
  private final Map<String, Path> nodeFiles = new HashMap<>();
  private final Map<String, Path> nodeLogs = new HashMap<>();
  private final AtomicInteger faults = new AtomicInteger();
  private final Map<String, AtomicInteger> nemesisCounts = new TreeMap<>();

  @Test
  void everyGuaranteeHoldsUnderFaults() throws Exception {
    long seed = Long.getLong("kvexpress.history.seed", System.currentTimeMillis());
    int seconds = Integer.getInteger("kvexpress.history.seconds", 60);
    System.out.println(
        "history: seed "
            + seed
            + ", "
            + seconds
            + " s (rerun with -Dkvexpress.history.seed="
            + seed
            + ")");
    List<Process> watchers = new ArrayList<>();
    try (Cluster cluster = Cluster.start(3, 3);
        FaultProxy lossy = new FaultProxy(cluster.clients().get(1).address()).start()) {
      Random proxyRandom = new Random(seed ^ 0x5EED);
      // One write in five through the proxy is applied by Consul and its answer dropped.
      lossy
          .faults()
          .failWhen(
              q ->
                  q.path().equals("/v1/txn")
                      && body(q.body()).contains("\"Verb\":\"set\"")
                      && nextDouble(proxyRandom) < 0.2,
              Fault.DROP_AFTER_APPLY,
              Integer.MAX_VALUE);
      Path hook = hookScript();
      for (ConsulAgent server : cluster.servers()) {
        spawn("recorder-" + server.name(), () -> record(server));
      }
      watchers.add(startWatcher("watch-1", cluster.clients().get(0), hook));
      watchers.add(startWatcher("watch-3", cluster.clients().get(2), hook));
      spawn(
          "oneshot-2",
          () -> oneShotNode("oneshot-2", cluster.clients().get(1).address(), hook, seed));
      spawn(
          "publisher-1",
          () -> publisher("p1", cluster.clients().get(0).address(), new Random(seed + 1)));
      spawn("publisher-2", () -> publisher("p2", lossy.address(), new Random(seed + 2)));
      Thread nemesis = spawn("nemesis", () -> nemesis(cluster, new Random(seed + 3)));

      Thread.sleep(seconds * 1000L);
      running.set(false);
      nemesis.join(60_000);
      heal(cluster);
      for (Thread t : threads) {
        if (t != nemesis
            && !t.getName().startsWith("history-recorder")
            && !t.getName().startsWith("history-oneshot")) {
          t.join(60_000);
        }
      }
      // The last version, through a healthy cluster: every node must end on it.
      String last = Lines.hosts(10) + "version final\n";
      long published = System.nanoTime();
      CliRun.Result r =
          CliRun.against(cluster.clients().get(0).address())
              .stdin(last)
              .run("in", "-k", KEY, "--retry-for", "30s");
      assertThat(r.code()).as("the final publish: " + r.err()).isZero();
      record("final", "in", sum(last), r, published);
      String finalSum = sum(last);
      long converged = awaitConvergence(finalSum, published);
      stopping.set(true);
      for (Process w : watchers) {
        w.destroy();
        w.waitFor(20, TimeUnit.SECONDS);
      }
      for (Thread t : threads) {
        t.join(30_000);
      }
      readApplications();
      HistoryChecker.Report report = HistoryChecker.check(history);
      summary(seed, seconds, report, converged);
      assertThat(report.violations()).as("seed " + seed).isEmpty();
      assertThat(Duration.ofMillis(converged))
          .as("convergence after healing, seed " + seed)
          .isLessThanOrEqualTo(CONVERGENCE_BOUND);
    } finally {
      running.set(false);
      stopping.set(true);
      for (Process w : watchers) {
        w.destroyForcibly();
      }
    }
  }

  private final AtomicBoolean stopping = new AtomicBoolean();

  // ---- the workload ----

  /** A publisher: unique contents, now and then one too short (refused), until the run ends. */
  private void publisher(String who, String address, Random random) {
    int seq = 0;
    while (running.get()) {
      seq++;
      boolean tooShort = random.nextInt(20) == 0;
      String content =
          tooShort
              ? "short " + who + "-" + seq + "\n"
              : Lines.hosts(10) + "version " + who + "-" + seq + "\n";
      long start = System.nanoTime();
      CliRun.Result r =
          CliRun.against(address).stdin(content).run("in", "-k", KEY, "--retry-for", "3s");
      record(who, "in", sum(content), r, start);
      pause(30 + random.nextInt(250));
    }
  }

  /** A node that runs one-shot {@code out} in a loop, as a cron job or a watch handler would. */
  private void oneShotNode(String node, String address, Path hook, long seed) {
    Path file = nodeFile(node);
    Random random = new Random(seed + 7);
    while (!stopping.get()) {
      CliRun.against(address)
          .run(
              "out",
              "-k",
              KEY,
              "-f",
              file.toString(),
              "--retry-for",
              "2s",
              "-e",
              hook + " " + nodeLogs.get(node));
      pause(100 + random.nextInt(300));
    }
  }

  private Process startWatcher(String node, ConsulAgent agent, Path hook) throws IOException {
    Path file = nodeFile(node);
    return Jar.command(
            Map.of("CONSUL_HTTP_ADDR", agent.address()),
            "out",
            "--watch",
            "-k",
            KEY,
            "-f",
            file.toString(),
            "--retry-for",
            "2s",
            "-e",
            hook + " " + nodeLogs.get(node))
        .redirectErrorStream(true)
        .redirectOutput(tmp.resolve(node + ".out").toFile())
        .start();
  }

  private Path nodeFile(String node) {
    Path file = tmp.resolve(node).resolve("hist.conf");
    nodeFiles.put(node, file);
    nodeLogs.put(node, tmp.resolve(node + ".applied"));
    return file;
  }

  /**
   * The hook every node's {@code -e} runs: appends what out says it applied and what the file
   * hashes to.
   */
  private Path hookScript() throws IOException {
    Path hook = tmp.resolve("record-apply.sh");
    Files.writeString(
        hook,
        "#!/bin/sh\nprintf '%s %s\\n' \"$KVEXPRESS_CHECKSUM\" "
            + "\"$(sha256sum \"$KVEXPRESS_FILE\" | cut -c1-64)\" >> \"$1\"\n");
    hook.toFile().setExecutable(true);
    return hook;
  }

  // ---- the recorders ----

  /**
   * Follows the key's folder on one server with consistent blocking reads; records each new state.
   */
  private void record(ConsulAgent server) {
    long index = 0;
    while (!stopping.get()) {
      try {
        HttpResponse<String> r =
            Http.client()
                .send(
                    Http.builder(
                            server.url(
                                "/v1/kv/kvexpress/"
                                    + KEY
                                    + "/?recurse&consistent&index="
                                    + index
                                    + "&wait=2s"))
                        .timeout(Duration.ofSeconds(6))
                        .GET()
                        .build(),
                    HttpResponse.BodyHandlers.ofString());
        String header = r.headers().firstValue("X-Consul-Index").orElse(null);
        if (header == null || (r.statusCode() != 200 && r.statusCode() != 404)) {
          pause(50);
          index = 0;
          continue;
        }
        long next = Long.parseLong(header);
        if (next != index && r.statusCode() == 200) {
          observe(next, JsonParser.parseString(r.body()).getAsJsonArray());
        }
        index = next < index ? 0 : next;
      } catch (IOException e) {
        pause(50);
        index = 0;
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void observe(long index, JsonArray entries) {
    Map<String, JsonObject> byName = new HashMap<>();
    for (JsonElement e : entries) {
      JsonObject o = e.getAsJsonObject();
      byName.put(o.get("Key").getAsString().substring(("kvexpress/" + KEY + "/").length()), o);
    }
    JsonObject data = byName.get("data");
    Meta meta = byName.containsKey("meta") ? Meta.parse(value(byName.get("meta"))) : null;
    String checksum =
        byName.containsKey("checksum")
            ? new String(value(byName.get("checksum")), StandardCharsets.UTF_8).strip()
            : null;
    if (data == null || meta == null || !meta.checksum().equals(checksum)) {
      return; // nothing published yet
    }
    JsonObject last = byName.get("last");
    JsonObject stop = byName.get("stop");
    history.observe(
        new History.Observation(
            index,
            meta.id(),
            meta.history(),
            checksum,
            Checksum.sha256Hex(value(data)),
            meta.lastChecksum(),
            last == null ? null : Checksum.sha256Hex(value(last)),
            meta.source(),
            data.get("ModifyIndex").getAsLong(),
            stop == null ? 0 : stop.get("CreateIndex").getAsLong()));
  }

  private static byte[] value(JsonObject entry) {
    JsonElement v = entry.get("Value");
    return v == null || v.isJsonNull() ? new byte[0] : Base64.getDecoder().decode(v.getAsString());
  }

  // ---- the nemesis ----

  /** Every 2–5 s, one fault or operator flow, undone before the next. */
  private void nemesis(Cluster cluster, Random random) {
    String operator = cluster.clients().get(2).address();
    while (running.get()) {
      pause(2000 + random.nextInt(3000));
      if (!running.get()) {
        return;
      }
      int pick = random.nextInt(10);
      try {
        switch (pick) {
          case 0 -> {
            ConsulAgent leader = cluster.leader();
            if (leader != null) {
              count("leader killed and restarted");
              leader.kill();
              pause(1500 + random.nextInt(2500));
              leader.start();
            }
          }
          case 1 -> {
            ConsulAgent s = cluster.servers().get(random.nextInt(3));
            count("server paused");
            s.pause();
            pause(1500 + random.nextInt(2500));
            s.resume();
          }
          case 2 -> {
            int first = random.nextInt(3);
            ConsulAgent a = cluster.servers().get(first);
            ConsulAgent b = cluster.servers().get((first + 1 + random.nextInt(2)) % 3);
            count("quorum lost (two servers paused)");
            a.pause();
            b.pause();
            pause(1500 + random.nextInt(2500));
            a.resume();
            b.resume();
          }
          case 3 -> {
            ConsulAgent c = cluster.clients().get(random.nextInt(3));
            count("client agent paused");
            c.pause();
            pause(1000 + random.nextInt(2000));
            c.resume();
          }
          case 4 -> {
            ConsulAgent c = cluster.clients().get(random.nextInt(3));
            count("client agent restarted");
            c.stop();
            c.start();
          }
          case 5 -> killInMidFlight(cluster.clients().get(0).address(), random);
          case 6 -> {
            count("stop, rollback, resume");
            operator(operator, "stop", "stop", "-k", KEY, "-r", "nemesis drill");
            pause(300 + random.nextInt(1500));
            rollback(operator);
            pause(300 + random.nextInt(1500));
            operator(operator, "resume", "resume", "-k", KEY);
          }
          case 7 -> {
            count("stop and resume");
            operator(operator, "stop", "stop", "-k", KEY, "-r", "nemesis pause");
            pause(500 + random.nextInt(2000));
            operator(operator, "resume", "resume", "-k", KEY);
          }
          case 8 -> stageAndPromote(operator, random);
          default -> {
            count("rollback");
            rollback(operator);
          }
        }
      } catch (IOException | RuntimeException e) {
        System.out.println("history: nemesis action " + pick + " failed: " + e);
      }
      faults.incrementAndGet();
    }
  }

  private void count(String what) {
    synchronized (nemesisCounts) {
      nemesisCounts.computeIfAbsent(what, k -> new AtomicInteger()).incrementAndGet();
    }
  }

  /**
   * An {@code in} as its own process, SIGKILLed at a random moment: whether it committed is
   * unknown.
   */
  private void killInMidFlight(String address, Random random) throws IOException {
    count("in killed mid-flight");
    String content = Lines.hosts(10) + "version killed-" + random.nextInt(1_000_000) + "\n";
    Path input = Files.writeString(tmp.resolve("killed-" + System.nanoTime() + ".txt"), content);
    long start = System.nanoTime();
    Process p =
        Jar.command(
                Map.of("CONSUL_HTTP_ADDR", address),
                "in",
                "-k",
                KEY,
                "-f",
                input.toString(),
                "--retry-for",
                "3s")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    pause(100 + random.nextInt(1400));
    p.destroyForcibly();
    try {
      p.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // Killed or finished: either way what it reports cannot be read, so its outcome is unknown.
    history.write(
        new History.Write(
            "killed",
            "in",
            sum(content),
            History.Outcome.UNKNOWN,
            null,
            start,
            System.nanoTime(),
            "SIGKILL"));
  }

  private void operator(String address, String op, String... argv) {
    long start = System.nanoTime();
    CliRun.Result r = CliRun.against(address).run(withRetry(argv));
    history.write(
        new History.Write(
            "operator",
            op,
            null,
            r.code() == 0 ? History.Outcome.PUBLISHED : History.Outcome.UNKNOWN,
            null,
            start,
            System.nanoTime(),
            r.err().strip()));
  }

  private void rollback(String address) {
    long start = System.nanoTime();
    CliRun.Result r = CliRun.against(address).run(withRetry("rollback", "-k", KEY));
    String to = field(r.err(), "to");
    History.Outcome o =
        r.code() == 0
            ? History.Outcome.PUBLISHED
            : r.code() == 3
                ? History.Outcome.REFUSED
                : r.err().contains("reason=conflict")
                    ? History.Outcome.FAILED
                    : History.Outcome.UNKNOWN;
    history.write(
        new History.Write(
            "operator", "rollback", to, o, null, start, System.nanoTime(), r.err().strip()));
  }

  /** A staged rollout's end: a unique version staged, then promoted (no canaries here: --force). */
  private void stageAndPromote(String address, Random random) {
    count("stage and promote");
    String content = Lines.hosts(10) + "version staged-" + random.nextInt(1_000_000) + "\n";
    CliRun.Result staged =
        CliRun.against(address).stdin(content).run(withRetry("in", "-k", KEY, "--stage"));
    if (staged.code() != 0) {
      return;
    }
    long start = System.nanoTime();
    CliRun.Result r = CliRun.against(address).run(withRetry("promote", "-k", KEY, "--force"));
    history.write(
        new History.Write(
            "operator",
            "promote",
            sum(content),
            outcome(r),
            null,
            start,
            System.nanoTime(),
            lastLine(r.err())));
  }

  private static String[] withRetry(String... argv) {
    String[] all = Arrays.copyOf(argv, argv.length + 2);
    all[argv.length] = "--retry-for";
    all[argv.length + 1] = "5s";
    return all;
  }

  /** Ends every fault: paused agents continue, stopped ones start, the stop key goes. */
  private void heal(Cluster cluster) throws IOException {
    for (ConsulAgent a : cluster.all()) {
      a.resume();
    }
    for (ConsulAgent a : cluster.all()) {
      if (!a.running()) {
        a.start();
      }
    }
    cluster.awaitLeader(Duration.ofSeconds(60));
    CliRun.Result r =
        CliRun.against(cluster.clients().get(2).address())
            .run("resume", "-k", KEY, "--retry-for", "30s");
    assertThat(r.code()).as("resume after healing: " + r.err()).isZero();
  }

  // ---- the end ----

  /** Milliseconds from the final publish until every node's file holds it. */
  private long awaitConvergence(String checksum, long publishedNanos) throws Exception {
    long deadline = publishedNanos + CONVERGENCE_BOUND.toNanos() * 2;
    while (System.nanoTime() < deadline) {
      boolean all = true;
      for (Path f : nodeFiles.values()) {
        all &= Files.exists(f) && Checksum.sha256Hex(Files.readAllBytes(f)).equals(checksum);
      }
      if (all) {
        return (System.nanoTime() - publishedNanos) / 1_000_000;
      }
      Thread.sleep(20);
    }
    return (System.nanoTime() - publishedNanos) / 1_000_000;
  }

  private void readApplications() throws IOException {
    for (Map.Entry<String, Path> e : nodeLogs.entrySet()) {
      if (!Files.exists(e.getValue())) {
        continue;
      }
      long n = 0;
      for (String line : Files.readAllLines(e.getValue())) {
        String[] parts = line.split(" ");
        history.applied(
            new History.Application(e.getKey(), n++, parts[0], parts.length > 1 ? parts[1] : null));
      }
    }
  }

  private void summary(long seed, int seconds, HistoryChecker.Report report, long convergedMs) {
    Map<History.Outcome, Integer> outcomes = new EnumMap<>(History.Outcome.class);
    for (History.Write w : history.writes()) {
      if (w.op().equals("in")) {
        outcomes.merge(w.outcome(), 1, Integer::sum);
      }
    }
    Map<String, Integer> applied = new TreeMap<>();
    history.applications().forEach(a -> applied.merge(a.node(), 1, Integer::sum));
    System.out.println(
        "history: seed="
            + seed
            + " seconds="
            + seconds
            + " commits="
            + report.chain().size()
            + " rollbacks="
            + report.chain().stream().filter(HistoryChecker.Commit::rollback).count()
            + " publishes="
            + outcomes
            + " observations="
            + history.observations().size()
            + " unknown_checksums="
            + report.unknownChecksums()
            + " applications="
            + applied
            + " nemesis="
            + nemesisCounts
            + " converged_ms="
            + convergedMs
            + " violations="
            + report.violations().size());
    report
        .violations()
        .forEach(v -> System.out.println("history: VIOLATION (seed " + seed + "): " + v));
  }

  // ---- helpers ----

  private void record(String who, String op, String checksum, CliRun.Result r, long start) {
    history.write(
        new History.Write(
            who,
            op,
            checksum,
            outcome(r),
            field(r.err(), "superseded_by"),
            start,
            System.nanoTime(),
            lastLine(r.err())));
  }

  /** What a publisher's exit code and result line say, as the checker needs it. */
  static History.Outcome outcome(CliRun.Result r) {
    String err = r.err();
    return switch (r.code()) {
      case 0 ->
          err.contains("result=published") || err.contains("result=promoted")
              ? History.Outcome.PUBLISHED
              : err.contains("result=superseded")
                  ? History.Outcome.SUPERSEDED
                  : err.contains("result=unchanged")
                      ? History.Outcome.UNCHANGED
                      : History.Outcome.UNKNOWN;
      case 3 -> History.Outcome.REFUSED;
      case 4 -> History.Outcome.HALTED;
      // Failures that prove nothing was committed; anything else (outcome_unknown) may have been.
      default ->
          err.matches("(?s).*reason=(conflict|unreachable|consul_error|not_consul)\\b.*")
              ? History.Outcome.FAILED
              : History.Outcome.UNKNOWN;
    };
  }

  private static String field(String text, String name) {
    Matcher m = Pattern.compile("\\b" + name + "=([0-9a-f]+)").matcher(text);
    return m.find() ? m.group(1) : null;
  }

  private static String lastLine(String text) {
    String t = text.strip();
    return t.substring(t.lastIndexOf('\n') + 1);
  }

  private static String sum(String content) {
    return Canonicalizer.canonicalize(content.getBytes(StandardCharsets.UTF_8)).checksum();
  }

  private static String body(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  private static synchronized double nextDouble(Random r) {
    return r.nextDouble();
  }

  private Thread spawn(String name, ThrowingRunnable body) {
    Thread t =
        new Thread(
            () -> {
              try {
                body.run();
              } catch (Exception e) {
                System.out.println("history: " + name + " ended: " + e);
              }
            },
            "history-" + name);
    t.setDaemon(true);
    threads.add(t);
    t.start();
    return t;
  }

  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  private static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
