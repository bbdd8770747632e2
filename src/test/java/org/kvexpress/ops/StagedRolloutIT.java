package org.kvexpress.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.kvexpress.core.Canonicalizer;
import org.kvexpress.core.Checksum;
import org.kvexpress.core.Meta;
import org.kvexpress.core.NodeReport;
import org.kvexpress.testing.AgentTest;
import org.kvexpress.testing.Await;
import org.kvexpress.testing.CliRun;
import org.kvexpress.testing.Dogstatsd;
import org.kvexpress.testing.Jar;
import org.kvexpress.testing.Lines;
import org.kvexpress.testing.Store;

/**
 * Staged rollouts (in --stage, out --canary, promote, discard), freezes and locks that expire
 * (--for), and the fleet's propagation (status --latency), end to end on both backends.
 */
class StagedRolloutIT extends AgentTest {
  private Process watcher;

  @AfterEach
  void stopWatcher() throws InterruptedException {
    if (watcher != null && watcher.isAlive()) {
      watcher.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  /**
   * How far ahead of the system clock the commands' clock runs: time passes for them, not for the
   * test.
   */
  private Duration ahead = Duration.ZERO;

  private CliRun cli() {
    return CliRun.against(agent.address()).later(ahead);
  }

  private CliRun.Result in(String content, String... args) {
    List<String> all = new ArrayList<>(List.of("in", "-k", "app"));
    all.addAll(List.of(args));
    return cli().stdin(content).run(all.toArray(new String[0]));
  }

  /** One node's out, as that node (its own file, its own report). */
  private CliRun.Result out(String node, String... args) {
    List<String> all =
        new ArrayList<>(
            List.of(
                "out",
                "-k",
                "app",
                "-f",
                tmp.resolve(node).toString(),
                "--hostname",
                node,
                "--report"));
    all.addAll(List.of(args));
    return cli().run(all.toArray(new String[0]));
  }

  private String file(String node) throws Exception {
    return Files.readString(tmp.resolve(node));
  }

  private static String canonical(String s) {
    return new String(
        Canonicalizer.canonicalize(s.getBytes(StandardCharsets.UTF_8)).bytes(),
        StandardCharsets.UTF_8);
  }

  @Test
  void canariesApplyTheStagedVersionPromoteMakesItEveryonesAndTheOldOneBecomesLast()
      throws Exception {
    String v1 = Lines.hosts(12);
    String v2 = Lines.hosts(15);
    assertThat(in(v1).code()).isZero();
    for (String n : List.of("web-1", "web-2")) {
      assertThat(out(n).code()).isZero();
    }
    CliRun.Result staged = in(v2, "--stage");
    assertThat(staged.code()).as(staged.err()).isZero();
    assertThat(staged.err()).contains("result=staged");
    assertThat(Store.data(agent, "kvexpress", "app"))
        .as("current untouched")
        .isEqualTo(canonical(v1).getBytes());
    assertThat(Store.get(agent, "kvexpress/app/staged/checksum").text())
        .isEqualTo(Checksum.sha256Hex(canonical(v2)));

    // Nothing has reported as a canary yet: promote refuses (default --min-canaries 1).
    CliRun.Result early = cli().run("promote", "-k", "app");
    assertThat(early.code()).isEqualTo(3);
    assertThat(early.err()).contains("reason=canaries").contains("fewer than --min-canaries 1");

    assertThat(out("canary-1", "--canary").err()).contains("staged=true");
    assertThat(file("canary-1")).isEqualTo(canonical(v2));
    assertThat(out("web-1").code()).isZero();
    assertThat(file("web-1")).as("a plain node keeps the current version").isEqualTo(canonical(v1));
    NodeReport canaryReport =
        NodeReport.parse(Store.get(agent, "kvexpress/app/nodes/canary-1").bytes());
    assertThat(canaryReport.isCanary()).isTrue();
    assertThat(cli().run("status", "-k", "app").out())
        .contains("app: staged " + Checksum.shortForm(Checksum.sha256Hex(canonical(v2))))
        .contains("1 of 1 canaries hold it")
        .contains("canary-1 (canary)");

    CliRun.Result promoted = cli().run("promote", "-k", "app");
    assertThat(promoted.code()).as(promoted.err()).isZero();
    assertThat(promoted.out()).contains("held by canaries: canary-1");
    assertThat(Store.data(agent, "kvexpress", "app")).isEqualTo(canonical(v2).getBytes());
    assertThat(Store.get(agent, "kvexpress/app/last").bytes()).isEqualTo(canonical(v1).getBytes());
    assertThat(Store.read(agent, "kvexpress/app/staged/"))
        .as("staged keys removed with the switch")
        .isEmpty();
    Store.assertConsistent(agent, "kvexpress", "app");
    assertThat(out("web-2").code()).isZero();
    assertThat(file("web-2")).isEqualTo(canonical(v2));
    assertThat(out("canary-1", "--canary").err())
        .as("no staged version: the current one")
        .contains("result=current");
    // Promote again: nothing staged.
    CliRun.Result again = cli().run("promote", "-k", "app");
    assertThat(again.code()).isEqualTo(3);
    assertThat(again.err()).contains("reason=nothing_staged");
  }

  @Test
  void aFailingCanaryBlocksPromoteByNameUntilForcedAndDiscardSendsCanariesBack() throws Exception {
    String v1 = Lines.hosts(12);
    assertThat(in(v1).code()).isZero();
    assertThat(in(Lines.hosts(16), "--stage").code()).isZero();
    assertThat(out("canary-ok", "--canary").code()).isZero();
    CliRun.Result failed = out("canary-bad", "--canary", "-e", "exit 7");
    assertThat(failed.code()).isEqualTo(1);
    CliRun.Result blocked = cli().run("promote", "-k", "app");
    assertThat(blocked.code()).isEqualTo(3);
    assertThat(blocked.err())
        .contains("1 of 2 canaries do not hold the staged version")
        .contains("canary-bad (failed " + "reload_failed");
    assertThat(Store.data(agent, "kvexpress", "app")).isEqualTo(canonical(v1).getBytes());

    CliRun.Result discarded = cli().run("discard", "-k", "app");
    assertThat(discarded.code()).isZero();
    assertThat(discarded.out()).contains("discarded the staged version");
    assertThat(cli().run("discard", "-k", "app").out())
        .contains("has no staged version; nothing to do");
    assertThat(out("canary-ok", "--canary").err()).contains("result=applied");
    assertThat(file("canary-ok")).as("back to the current version").isEqualTo(canonical(v1));

    assertThat(in(Lines.hosts(17), "--stage").code()).isZero();
    CliRun.Result forced = cli().run("promote", "-k", "app", "--force");
    assertThat(forced.code()).as(forced.err()).isZero();
    assertThat(Store.data(agent, "kvexpress", "app"))
        .isEqualTo(canonical(Lines.hosts(17)).getBytes());
  }

  @Test
  void stopKeysAndLocksApplyToStagedVersionsAndAStagedChunkedVersionKeepsItsChunks()
      throws Exception {
    assertThat(in(Lines.hosts(12)).code()).isZero();
    byte[] big = Lines.random(900_000, 3);
    assertThat(cli().stdin(big).run("in", "-k", "app", "--stage", "--verbatim").code()).isZero();
    // Two more ordinary publishes collect garbage: the staged version's chunks must survive them.
    assertThat(in(Lines.hosts(13)).code()).isZero();
    assertThat(in(Lines.hosts(14)).code()).isZero();
    assertThat(cli().run("stop", "-k", "app", "-r", "incident").code()).isZero();
    CliRun.Result halted = out("canary-1", "--canary");
    assertThat(halted.code()).isEqualTo(4);
    assertThat(cli().run("promote", "-k", "app", "--force").code())
        .as("promote honours the stop key")
        .isEqualTo(4);
    assertThat(cli().run("resume", "-k", "app").code()).isZero();
    assertThat(
            cli()
                .run("lock", "-f", tmp.resolve("canary-1").toString(), "--hostname", "canary-1")
                .code())
        .isZero();
    assertThat(out("canary-1", "--canary").code()).isEqualTo(4);
    assertThat(
            cli()
                .run("unlock", "-f", tmp.resolve("canary-1").toString(), "--hostname", "canary-1")
                .code())
        .isZero();
    assertThat(out("canary-1", "--canary").code()).isZero();
    assertThat(Files.readAllBytes(tmp.resolve("canary-1"))).isEqualTo(big);
    assertThat(cli().run("promote", "-k", "app").code()).isZero();
    assertThat(out("web-1").code()).isZero();
    assertThat(Files.readAllBytes(tmp.resolve("web-1"))).isEqualTo(big);
  }

  @Test
  void aWatchingCanaryWakesForAStagedVersion() throws Exception {
    assertThat(in(Lines.hosts(12)).code()).isZero();
    Path target = tmp.resolve("watched");
    watcher =
        Jar.command(
                Map.of("CONSUL_HTTP_ADDR", agent.address()),
                "out",
                "-v",
                "--watch",
                "--canary",
                "-k",
                "app",
                "-f",
                target.toString(),
                "--wait",
                "30s")
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("w.log").toFile())
            .start();
    awaitFile(target, canonical(Lines.hosts(12)));
    assertThat(in(Lines.hosts(18), "--stage").code()).isZero();
    awaitFile(target, canonical(Lines.hosts(18)));
    assertThat(cli().run("discard", "-k", "app").code()).isZero();
    awaitFile(target, canonical(Lines.hosts(12)));
  }

  /**
   * The --config file's node-wide settings: trust_keys, no_older and canary, in a real watcher
   * process.
   */
  @Test
  void aWatcherFromAConfigFileTrustsItsKeysAndIsACanary() throws Exception {
    Path keys = tmp.resolve("keys");
    assertThat(cli().run("keygen", "--out", keys.toString(), "--name", "ops").code()).isZero();
    String key = keys.resolve("ops.key").toString();
    assertThat(in(Lines.hosts(12), "--sign-key", key).code()).isZero();
    Path target = tmp.resolve("watched");
    Path config = tmp.resolve("watch.json");
    Files.writeString(
        config,
        "{\"files\": [{\"key\": \"app\", \"file\": \""
            + target
            + "\"}], \"trust_keys\": [\""
            + keys
            + "\"], \"no_older\": true, \"canary\": true}");
    watcher =
        Jar.command(
                Map.of("CONSUL_HTTP_ADDR", agent.address()),
                "out",
                "-v",
                "--watch",
                "--config",
                config.toString(),
                "--wait",
                "30s")
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("w.log").toFile())
            .start();
    awaitFile(target, canonical(Lines.hosts(12)));
    // Unsigned: refused, the file stays; signed and staged: the canary applies it.
    assertThat(in(Lines.hosts(13)).code()).isZero();
    Await.until(
        "the watcher to refuse the unsigned version",
        Duration.ofSeconds(15),
        () -> Files.readString(tmp.resolve("w.log")).contains("reason=unsigned"));
    assertThat(Files.readString(target)).isEqualTo(canonical(Lines.hosts(12)));
    assertThat(in(Lines.hosts(14), "--stage", "--sign-key", key).code()).isZero();
    awaitFile(target, canonical(Lines.hosts(14)));
    assertThat(tmp.resolve(".watched.kvexpress.signed"))
        .as("--no-older keeps its record")
        .isRegularFile();
  }

  private void awaitFile(Path target, String content) throws Exception {
    try {
      Await.until(
          "the watcher to apply the version",
          Duration.ofSeconds(15),
          () -> Files.exists(target) && Files.readString(target).equals(content));
      return;
    } catch (AssertionError notYet) {
      // below: the file, the watcher's log and its threads, for the failure's message
    }
    Process dump =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "jstack").toString(),
                String.valueOf(watcher.pid()))
            .redirectErrorStream(true)
            .start();
    String threads = new String(dump.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(Files.exists(target) ? Files.readString(target) : "(missing)")
        .as(Files.readString(tmp.resolve("w.log")) + threads)
        .isEqualTo(content);
  }

  @Test
  void aStopOrLockWithForEndsByItselfAndStatusSaysExpired() throws Exception {
    assertThat(in(Lines.hosts(12)).code()).isZero();
    assertThat(cli().run("stop", "-k", "app", "-r", "deploy window", "--for", "2s").out())
        .contains("(until ");
    assertThat(in(Lines.hosts(13)).code()).isEqualTo(4);
    assertThat(out("web-1").code()).isEqualTo(4);
    Path lockFile = tmp.resolve("web-1");
    assertThat(
            cli()
                .run("lock", "-f", lockFile.toString(), "--hostname", "web-1", "--for", "2s")
                .code())
        .isZero();
    ahead = Duration.ofMillis(3500); // both --for 2s ends have passed, for the commands
    CliRun.Result published = in(Lines.hosts(13));
    assertThat(published.code()).as(published.err()).isZero();
    assertThat(published.err()).contains("the stop key has expired; proceeding");
    CliRun.Result applied = out("web-1");
    assertThat(applied.code()).as(applied.err()).isZero();
    assertThat(applied.err()).contains("expired; proceeding");
    assertThat(file("web-1")).isEqualTo(canonical(Lines.hosts(13)));
    assertThat(cli().run("status", "-k", "app").out()).contains("expired: deploy window (until ");
    JsonObject k =
        JsonParser.parseString(cli().run("status", "-k", "app", "--json").out())
            .getAsJsonObject()
            .getAsJsonArray("keys")
            .get(0)
            .getAsJsonObject();
    assertThat(k.get("stop_expired").getAsBoolean()).isTrue();
    assertThat(cli().run("resume", "-k", "app").code()).isZero();
    // Without --for nothing changes: a plain stop never expires.
    assertThat(cli().run("stop", "-k", "app", "-r", "no end").code()).isZero();
    assertThat(in(Lines.hosts(14)).code()).isEqualTo(4);
  }

  @Test
  void aNodeSendsItsOwnPublishToApplyDelayToStatsdAndTheTextfile() throws Exception {
    assertThat(in(Lines.hosts(12)).code()).isZero();
    Path prom = tmp.resolve("kvexpress.prom");
    try (Dogstatsd udp = new Dogstatsd()) {
      assertThat(out("web-1", "--statsd", udp.address(), "--metrics-file", prom.toString()).code())
          .isZero();
      assertThat(udp.received())
          .anyMatch(l -> l.matches("kvexpress\\.out\\.apply_latency:\\d+\\|ms\\|#key:app"));
    }
    assertThat(Files.readString(prom))
        .containsPattern("(?m)^kvexpress_apply_latency_seconds\\{key=\"app\"} \\d+\\.\\d+$")
        .contains("# TYPE kvexpress_apply_latency_seconds gauge");
  }

  /**
   * Several nodes report; one never applied; status --latency and the JSON carry the distribution.
   */
  @Test
  void statusLatencyShowsTheSpreadOfTheCurrentVersion() throws Exception {
    assertThat(in(Lines.hosts(12)).code()).isZero();
    assertThat(out("laggard").code()).isZero();
    Path locked = tmp.resolve("laggard");
    assertThat(cli().run("lock", "-f", locked.toString(), "--hostname", "laggard").code()).isZero();
    assertThat(in(Lines.hosts(20)).code()).isZero();
    for (int i = 1; i <= 6; i++) {
      assertThat(out("node-" + i).code()).isZero();
    }
    assertThat(out("laggard").code()).as("locked: never applies the new version").isEqualTo(4);
    CliRun.Result r = cli().run("status", "-k", "app", "--latency");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("app: 6 of 7 reporting nodes hold")
        .contains("publish -> apply over 6 nodes: p50 ")
        .containsPattern("slowest: node-\\d \\d+\\.\\d{3}s")
        .contains("not holding it: laggard");
    JsonObject latency =
        JsonParser.parseString(cli().run("status", "-k", "app", "--latency", "--json").out())
            .getAsJsonObject()
            .getAsJsonArray("keys")
            .get(0)
            .getAsJsonObject()
            .getAsJsonObject("latency");
    assertThat(latency.get("holding").getAsInt()).isEqualTo(6);
    assertThat(latency.get("measured").getAsInt()).isEqualTo(6);
    double p50 = latency.get("p50").getAsDouble();
    double max = latency.get("max").getAsDouble();
    assertThat(p50).isPositive().isLessThanOrEqualTo(max);
    assertThat(max).as("six sequential one-shot runs in one JVM").isLessThan(60);
    int inHistogram = 0;
    for (var b : latency.getAsJsonArray("histogram")) {
      inHistogram += b.getAsJsonObject().get("count").getAsInt();
    }
    assertThat(inHistogram).isEqualTo(6);
    assertThat(latency.getAsJsonArray("not_holding").get(0).getAsString()).isEqualTo("laggard");
    NodeReport report = NodeReport.parse(Store.get(agent, "kvexpress/app/nodes/node-1").bytes());
    assertThat(report.publishedAt())
        .isEqualTo(Meta.parse(Store.get(agent, "kvexpress/app/meta").bytes()).time());
    assertThat(report.latencySeconds()).isNotNull().isPositive();
  }
}
