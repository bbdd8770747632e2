package org.kvexpress.apply;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.kvexpress.agent.RecordedRequest;
import org.kvexpress.core.Canonicalizer;
import org.kvexpress.core.Checksum;
import org.kvexpress.testing.Await;
import org.kvexpress.testing.Backend;
import org.kvexpress.testing.BackendExtension;
import org.kvexpress.testing.CliRun;
import org.kvexpress.testing.Http;
import org.kvexpress.testing.Jar;
import org.kvexpress.testing.Lines;
import org.kvexpress.testing.Store;

/**
 * {@code out --watch} as a real process: follows versions, honours stop, ends cleanly on SIGTERM.
 */
@ExtendWith(BackendExtension.class)
class WatchIT {
  private Backend agent;
  private Process watcher;
  @TempDir Path tmp;

  @BeforeEach
  void start(Backend backend) {
    agent = backend;
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (watcher != null && watcher.isAlive()) {
      watcher.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }

  private void publish(String key, String content) {
    CliRun.Result r = CliRun.against(agent.address()).stdin(content).run("in", "-k", key);
    assertThat(r.code()).as(r.err()).isZero();
  }

  private static void awaitContent(Path file, byte[] expected, Duration within) {
    Await.until(
        file + " to hold the version",
        within,
        () -> Files.exists(file) && Arrays.equals(Files.readAllBytes(file), expected));
  }

  private Process startWatcher(String... args) throws IOException {
    Path log = tmp.resolve("watch.log");
    return Jar.command(Map.of("CONSUL_HTTP_ADDR", agent.address()), args)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }

  @Test
  void followsFiveVersionsAStopAndAResumeThenStopsOnSigterm() throws Exception {
    Path target = tmp.resolve("etc/hosts");
    watcher =
        startWatcher("out", "--watch", "-k", "hosts", "-f", target.toString(), "--wait", "2s");
    for (int v = 0; v < 5; v++) {
      String content = Lines.hosts(10 + v);
      publish("hosts", content);
      awaitContent(
          target, Canonicalizer.canonicalize(content.getBytes()).bytes(), Duration.ofSeconds(20));
    }
    // Stop, then a new version appears through another tool: the watcher must not apply it.
    Store.put(agent, "kvexpress/hosts/stop", "freeze for the drill");
    byte[] next = Canonicalizer.canonicalize(Lines.hosts(30).getBytes()).bytes();
    String txn =
        "[{\"KV\":{\"Verb\":\"set\",\"Key\":\"kvexpress/hosts/data\",\"Value\":\""
            + Base64.getEncoder().encodeToString(next)
            + "\"}},{\"KV\":{\"Verb\":\"set\",\"Key\":"
            + "\"kvexpress/hosts/checksum\",\"Value\":\""
            + Base64.getEncoder().encodeToString(Checksum.sha256Hex(next).getBytes())
            + "\"}}]";
    assertThat(Http.put(agent.url("/v1/txn"), txn).statusCode()).isEqualTo(200);
    byte[] stopped = Canonicalizer.canonicalize(Lines.hosts(14).getBytes()).bytes();
    Await.holdsFor(
        "the stopped watcher to leave the file alone",
        Duration.ofSeconds(3),
        () -> Arrays.equals(Files.readAllBytes(target), stopped));
    // Resume: within one wait the watcher re-applies and converges.
    Http.delete(agent.url("/v1/kv/kvexpress/hosts/stop"));
    awaitContent(target, next, Duration.ofSeconds(20));

    long start = System.nanoTime();
    watcher.toHandle().destroy(); // SIGTERM
    assertThat(watcher.waitFor(5, TimeUnit.SECONDS)).isTrue();
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertThat(watcher.exitValue()).isZero();
    assertThat(ms).isLessThan(1_500);
    String log = Files.readString(tmp.resolve("watch.log"), StandardCharsets.UTF_8);
    assertThat(log).contains("reason=stop_key").contains("watch=stopped");
    assertThat(log.lines().filter(l -> l.contains("result=applied")).count()).isEqualTo(6);
    try (Stream<Path> s = Files.list(target.getParent())) {
      assertThat(s.map(Path::getFileName).map(Path::toString).toList()).containsExactly("hosts");
    }
  }

  @Test
  void configFileWatchesSeveralFilesAndKeepsTheFileWhileConsulIsDown() throws Exception {
    Path a = tmp.resolve("a.conf");
    Path b = tmp.resolve("b.conf");
    Path config = tmp.resolve("watch.json");
    Files.writeString(
        config,
        "{\"files\": [{\"key\": \"a\", \"file\": \""
            + a
            + "\", \"mode\": \"0600\"},"
            + " {\"key\": \"b\", \"file\": \""
            + b
            + "\", \"min_lines\": 1}]}");
    watcher = startWatcher("out", "--watch", "--config", config.toString(), "--retry-for", "1s");
    publish("a", Lines.hosts(10));
    CliRun.against(agent.address()).stdin("one line\n").run("in", "-k", "b", "-l", "1");
    awaitContent(
        a, Canonicalizer.canonicalize(Lines.hosts(10).getBytes()).bytes(), Duration.ofSeconds(20));
    awaitContent(b, "one line\n".getBytes(), Duration.ofSeconds(20));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(a)))
        .isEqualTo("rw-------");
    agent.close();
    Await.holdsFor(
        "the watcher to keep retrying, and the file, while Consul is down",
        Duration.ofMillis(2500),
        () -> watcher.isAlive() && Files.readString(b).equals("one line\n"));
    watcher.toHandle().destroy();
    assertThat(watcher.waitFor(5, TimeUnit.SECONDS)).isTrue();
    assertThat(watcher.exitValue()).isZero();
    assertThat(Files.readString(tmp.resolve("watch.log"))).contains("cannot reach Consul");
  }

  @Test
  void aKeyNotPublishedYetIsAwaitedQuietlyThroughUnrelatedWrites() throws Exception {
    Path target = tmp.resolve("new.conf");
    watcher = startWatcher("out", "--watch", "-k", "later", "-f", target.toString());
    Path log = tmp.resolve("watch.log");
    awaitLog("waiting for the key");
    agent.clearRequests();
    // Consul 1.8.7 ends a blocking query on a missing key at every KV write; 30 writes in 1.5 s.
    for (int i = 0; i < 30; i++) {
      Store.put(agent, "elsewhere/" + i, "x");
      // The writes are spread out on purpose: each must meet a parked query, 30 in 1.5 s.
      Await.holdsFor("a watcher that is still waiting", Duration.ofMillis(50), watcher::isAlive);
    }
    long txns = agent.requests().stream().filter(r -> r.path().equals("/v1/txn")).count();
    long watches =
        agent.requests().stream()
            .filter(r -> r.path().startsWith("/v1/kv/kvexpress/later"))
            .count();
    assertThat(txns).as("no full round per unrelated write").isZero();
    assertThat(watches).as("at most one wake a second").isLessThanOrEqualTo(4);
    String text = Files.readString(log);
    assertThat(text.lines().filter(l -> l.contains("waiting for the key")).count()).isEqualTo(1);
    assertThat(text.lines().filter(l -> l.contains("nothing_published")).count()).isEqualTo(1);
    publish("later", Lines.hosts(10));
    awaitContent(
        target,
        Canonicalizer.canonicalize(Lines.hosts(10).getBytes()).bytes(),
        Duration.ofSeconds(20));
  }

  private static byte[] canonical(String content) {
    return Canonicalizer.canonicalize(content.getBytes(StandardCharsets.UTF_8)).bytes();
  }

  private CliRun.Result run(String... args) {
    return CliRun.against(agent.address()).run(args);
  }

  /**
   * README's incident flow: stop, rollback, resume. The watcher applies the rollback as soon as it
   * resumes.
   */
  @Test
  void aWatcherHaltedByTheStopKeyAppliesWhatIsCurrentTheMomentItIsResumed() throws Exception {
    Path target = tmp.resolve("hosts");
    // The default --wait (5m): only the resume itself can wake the watcher in time.
    watcher = startWatcher("out", "--watch", "-k", "hosts", "-f", target.toString());
    publish("hosts", Lines.hosts(10));
    awaitContent(target, canonical(Lines.hosts(10)), Duration.ofSeconds(20));
    publish("hosts", Lines.hosts(11));
    awaitContent(target, canonical(Lines.hosts(11)), Duration.ofSeconds(20));
    assertThat(run("stop", "-k", "hosts", "-r", "bad version").code()).isZero();
    assertThat(run("rollback", "-k", "hosts").code()).isZero();
    awaitLog("waiting for kvexpress/hosts/stop to be removed");
    assertThat(Files.readAllBytes(target))
        .as("halted: the rollback waits for resume")
        .isEqualTo(canonical(Lines.hosts(11)));
    // Halted, the watcher blocks on the stop key alone: writes elsewhere cost it nothing.
    agent.clearRequests();
    for (int i = 0; i < 20; i++) {
      Store.put(agent, "elsewhere/" + i, "x");
    }
    Await.holdsFor(
        "no round after unrelated writes",
        Duration.ofMillis(500),
        () -> agent.requests().stream().noneMatch(r -> r.path().equals("/v1/txn")));
    long resumed = System.nanoTime();
    int before = agent.requestCount();
    assertThat(run("resume", "-k", "hosts").code()).isZero();
    awaitContent(target, canonical(Lines.hosts(10)), Duration.ofSeconds(20));
    long ms = (System.nanoTime() - resumed) / 1_000_000;
    assertThat(ms).as("applied on resume, not at the next --wait (5 minutes)").isLessThan(10_000);
    Await.until(
        "the watcher to block on the checksum again",
        Duration.ofSeconds(10),
        () -> {
          List<RecordedRequest> seen = agent.requests();
          RecordedRequest lastOne = seen.get(seen.size() - 1);
          return lastOne.path().endsWith("/checksum")
              && lastOne.rawQuery() != null
              && !lastOne.rawQuery().startsWith("index=0");
        });
    List<String> cost =
        agent.requests().subList(before, agent.requestCount()).stream()
            .map(r -> r.method() + " " + r.path())
            .toList();
    System.out.println(
        "halted watcher on "
            + agent.kind()
            + ": resume applied in "
            + ms
            + " ms; requests from the "
            + "resume on (the resume's own GET and DELETE included): "
            + cost);
  }

  @Test
  void aWatcherHaltedByItsLockAppliesTheMomentItIsUnlocked() throws Exception {
    Path target = tmp.resolve("hosts");
    watcher =
        startWatcher(
            "out", "--watch", "-k", "hosts", "-f", target.toString(), "--hostname", "node-1");
    publish("hosts", Lines.hosts(10));
    awaitContent(target, canonical(Lines.hosts(10)), Duration.ofSeconds(20));
    assertThat(
            CliRun.against(agent.address())
                .hostname("node-1")
                .run("lock", "-f", target.toString(), "-r", "debugging")
                .code())
        .isZero();
    publish("hosts", Lines.hosts(12));
    awaitLog("to be removed");
    assertThat(Files.readAllBytes(target)).isEqualTo(canonical(Lines.hosts(10)));
    assertThat(
            CliRun.against(agent.address())
                .hostname("node-1")
                .run("unlock", "-f", target.toString())
                .code())
        .isZero();
    awaitContent(target, canonical(Lines.hosts(12)), Duration.ofSeconds(10));
  }

  /**
   * An agent that comes back with an empty store answers indexes below the watcher's: it starts
   * over.
   */
  @Test
  void aWatcherFollowsAnAgentThatRestartedWithAnEmptyStore() throws Exception {
    Path target = tmp.resolve("hosts");
    watcher =
        startWatcher("out", "--watch", "-k", "hosts", "-f", target.toString(), "--retry-for", "2s");
    for (int i = 0; i < 20; i++) {
      Store.put(
          agent, "elsewhere/" + i, "x"); // moves the index well past what the fresh store will have
    }
    publish("hosts", Lines.hosts(10));
    awaitContent(target, canonical(Lines.hosts(10)), Duration.ofSeconds(20));
    agent.restartEmpty();
    publish("hosts", Lines.hosts(13));
    awaitContent(target, canonical(Lines.hosts(13)), Duration.ofSeconds(15));
  }

  /**
   * SIGINT in the middle of a reload: the reload finishes, the result is logged and reported, then
   * exit 130.
   */
  @Test
  void aSignalDuringAReloadLetsItFinishThenExitsSayingSo() throws Exception {
    Path target = tmp.resolve("hosts");
    Path marks = tmp.resolve("reload.marks");
    watcher =
        startWatcher(
            "out",
            "--watch",
            "-k",
            "hosts",
            "-f",
            target.toString(),
            "--report",
            "--hostname",
            "node-1",
            "-e",
            "echo start >> " + marks + "; sleep 3; echo end >> " + marks);
    publish("hosts", Lines.hosts(10));
    Await.until(
        "the reload to start",
        Duration.ofSeconds(20),
        () -> Files.exists(marks) && Files.readString(marks).contains("start"));
    assertThat(Files.readString(marks)).isEqualTo("start\n");
    new ProcessBuilder("kill", "-INT", Long.toString(watcher.pid())).start().waitFor();
    assertThat(watcher.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.readString(marks))
        .as("the reload finished before the watcher exited")
        .isEqualTo("start\nend\n");
    assertThat(watcher.exitValue()).as("stopped by SIGINT while applying").isEqualTo(130);
    String log = Files.readString(tmp.resolve("watch.log"));
    assertThat(log).contains("result=applied").contains("reload_exit=0").contains("watch=stopped");
    assertThat(Store.get(agent, "kvexpress/hosts/nodes/node-1").text())
        .contains("\"result\":\"applied\"");
  }

  private void awaitLog(String text) {
    Path log = tmp.resolve("watch.log");
    Await.until(
        "the watcher to log " + text,
        Duration.ofSeconds(20),
        () -> Files.readString(log).contains(text));
  }

  static List<String> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }
}
