package org.kvexpress;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.kvexpress.agent.Fault;
import org.kvexpress.core.Checksum;
import org.kvexpress.core.NodeReport;
import org.kvexpress.testing.Backend;
import org.kvexpress.testing.BackendExtension;
import org.kvexpress.testing.CliRun;
import org.kvexpress.testing.Dogstatsd;
import org.kvexpress.testing.Jar;
import org.kvexpress.testing.Lines;
import org.kvexpress.testing.Store;

/** Metrics (dogstatsd, textfile), node reports with status convergence, and JSON logs (issue 9). */
@ExtendWith(BackendExtension.class)
class ObservabilityIT {
  private Backend agent;
  private Dogstatsd udp;
  @TempDir Path tmp;

  @BeforeEach
  void start(Backend backend) throws IOException {
    agent = backend;
    udp = new Dogstatsd();
  }

  @AfterEach
  void stop() {
    udp.close();
  }

  private String statsd() {
    return udp.address();
  }

  /** Every statsd line received until the socket stays quiet. */
  private List<String> received() throws IOException {
    return udp.received();
  }

  /** Lines received until one matches, or the deadline passes. */
  private List<String> receivedUntil(Predicate<String> done, long millis) throws IOException {
    List<String> lines = new ArrayList<>();
    long deadline = System.currentTimeMillis() + millis;
    while (System.currentTimeMillis() < deadline && lines.stream().noneMatch(done)) {
      lines.addAll(received());
    }
    return lines;
  }

  private CliRun cli() {
    return CliRun.against(agent.address()).hostname("web-1");
  }

  @Test
  void dogstatsdLinesForRunsOutcomesSizesAndRefusals() throws IOException {
    assertThat(cli().stdin(Lines.hosts(12)).run("in", "-k", "hosts", "--statsd", statsd()).code())
        .isZero();
    List<String> in = received();
    assertThat(in)
        .anyMatch(
            l ->
                l.matches(
                    "kvexpress\\.run\\.duration:\\d+\\|ms\\|#command:in,result:published,key:hosts"));
    assertThat(in)
        .contains(
            "kvexpress.run:1|c|#command:in,result:published,key:hosts",
            "kvexpress.in.lines:12|g|#key:hosts");
    assertThat(in).anyMatch(l -> l.startsWith("kvexpress.in.bytes:"));

    cli().stdin("one\n").env("KVEXPRESS_STATSD_ADDR", statsd()).run("in", "-k", "hosts");
    assertThat(received())
        .contains("kvexpress.refusal:1|c|#command:in,reason:too_few_lines,key:hosts");

    Path file = tmp.resolve("hosts");
    cli().run("out", "-k", "hosts", "-f", file.toString(), "--statsd", statsd());
    assertThat(received())
        .contains(
            "kvexpress.out.applied:1|c|#key:hosts",
            "kvexpress.run:1|c|#command:out,result:applied,key:hosts");

    agent.failNext(Fault.HTTP_500);
    cli().run("out", "-k", "hosts", "-f", file.toString(), "--statsd", statsd());
    assertThat(received())
        .contains(
            "kvexpress.retries:1|c|#command:out,key:hosts",
            "kvexpress.run:1|c|#command:out,result:current,key:hosts");
  }

  @Test
  void metricsNeverFailACommand() {
    // Nothing listens on this port once the socket is closed; the address only has to be valid.
    String address = statsd();
    udp.close();
    CliRun.Result r =
        cli()
            .stdin(Lines.hosts(12))
            .run(
                "in",
                "-k",
                "hosts",
                "--statsd",
                address,
                "--metrics-file",
                tmp.resolve("no/such/dir/../x.prom").toString());
    assertThat(r.code()).isZero();
    assertThat(cli().stdin(Lines.hosts(12)).run("in", "-k", "hosts", "--statsd", "nonsense").code())
        .isEqualTo(2);
  }

  @Test
  void textfileKeepsLastSuccessChecksumAndCountsRefusals() throws IOException {
    Path prom = tmp.resolve("kvexpress.prom");
    Path file = tmp.resolve("hosts");
    cli().stdin(Lines.hosts(12)).run("in", "-k", "hosts");
    assertThat(
            cli()
                .run("out", "-k", "hosts", "-f", file.toString(), "--metrics-file", prom.toString())
                .code())
        .isZero();
    String sum = Checksum.sha256Hex(Files.readAllBytes(file));
    Store.put(agent, "kvexpress/hosts/stop", "freeze");
    cli().run("out", "-k", "hosts", "-f", file.toString(), "--metrics-file", prom.toString());
    cli().run("out", "-k", "hosts", "-f", file.toString(), "--metrics-file", prom.toString());
    String text = Files.readString(prom);
    assertThat(text)
        .contains("# TYPE kvexpress_refusals_total counter")
        .contains("kvexpress_refusals_total{command=\"out\",key=\"hosts\",reason=\"stop_key\"} 2")
        .contains(
            "kvexpress_checksum_info{command=\"out\",key=\"hosts\",checksum=\"" + sum + "\"} 1")
        .containsPattern(
            "kvexpress_last_success_timestamp_seconds\\{command=\"out\",key=\"hosts\"} \\d+\\.\\d+")
        .containsPattern(
            "kvexpress_last_failure_timestamp_seconds\\{command=\"out\",key=\"hosts\"} \\d+");
    assertThat(PosixPerms.of(prom)).isEqualTo("rw-r--r--");
  }

  @Test
  void nodeReportsAndConvergenceInStatus() throws IOException {
    cli().stdin(Lines.hosts(12)).run("in", "-k", "hosts");
    for (String node : List.of("web-1", "web-2", "web-3")) {
      CliRun.Result r =
          cli()
              .run(
                  "out",
                  "-k",
                  "hosts",
                  "-f",
                  tmp.resolve(node).toString(),
                  "--hostname",
                  node,
                  "--report",
                  "-e",
                  "true");
      assertThat(r.code()).as(r.err()).isZero();
    }
    NodeReport web1 = NodeReport.parse(Store.get(agent, "kvexpress/hosts/nodes/web-1").bytes());
    assertThat(web1.result()).isEqualTo("applied");
    assertThat(web1.reloadExit()).isZero();
    assertThat(web1.checksum()).isEqualTo(Store.get(agent, "kvexpress/hosts/checksum").text());
    // A re-run finds the file current: "applied" still says more, so nothing is written (no Raft
    // write per node and watch firing).
    long afterApply = Store.get(agent, "kvexpress/hosts/nodes/web-1").modifyIndex();
    cli()
        .run(
            "out",
            "-k",
            "hosts",
            "-f",
            tmp.resolve("web-1").toString(),
            "--hostname",
            "web-1",
            "--report");
    assertThat(NodeReport.parse(Store.get(agent, "kvexpress/hosts/nodes/web-1").bytes()).result())
        .isEqualTo("applied");
    assertThat(Store.get(agent, "kvexpress/hosts/nodes/web-1").modifyIndex()).isEqualTo(afterApply);
    long afterCurrent = afterApply;
    cli()
        .run(
            "out",
            "-k",
            "hosts",
            "-f",
            tmp.resolve("web-1").toString(),
            "--hostname",
            "web-1",
            "--report");
    assertThat(Store.get(agent, "kvexpress/hosts/nodes/web-1").modifyIndex())
        .as("nothing changed: no write")
        .isEqualTo(afterCurrent);

    // A new version: web-1 applies it, web-2 is locked, web-3 has not run yet.
    cli().stdin(Lines.hosts(13)).run("in", "-k", "hosts");
    cli()
        .run(
            "out",
            "-k",
            "hosts",
            "-f",
            tmp.resolve("web-1").toString(),
            "--hostname",
            "web-1",
            "--report");
    cli()
        .run(
            "lock",
            "-f",
            tmp.resolve("web-2").toString(),
            "--hostname",
            "web-2",
            "-r",
            "debugging");
    CliRun.Result locked =
        cli()
            .run(
                "out",
                "-k",
                "hosts",
                "-f",
                tmp.resolve("web-2").toString(),
                "--hostname",
                "web-2",
                "--report");
    assertThat(locked.code()).isEqualTo(4);
    assertThat(NodeReport.parse(Store.get(agent, "kvexpress/hosts/nodes/web-2").bytes()).reason())
        .isEqualTo("locked");

    CliRun.Result table = cli().run("status", "-k", "hosts");
    assertThat(table.out())
        .contains("hosts: 1 of 3 reporting nodes current, 2 lagging (1 of them failing or halted)")
        .containsPattern("web-2\\s+[0-9a-f]{12}\\s+halted\\s+locked")
        .containsPattern("web-3\\s+[0-9a-f]{12}\\s+applied");
    JsonObject json =
        JsonParser.parseString(cli().run("status", "-k", "hosts", "--json").out())
            .getAsJsonObject();
    JsonObject key = json.getAsJsonArray("keys").get(0).getAsJsonObject();
    JsonObject conv = key.getAsJsonObject("convergence");
    assertThat(conv.get("current").getAsInt()).isEqualTo(1);
    assertThat(conv.get("reporting").getAsInt()).isEqualTo(3);
    assertThat(conv.get("failing").getAsInt()).isEqualTo(1);
    assertThat(key.getAsJsonArray("nodes")).hasSize(3);
    assertThat(key.getAsJsonArray("nodes").get(2).getAsJsonObject().get("lag_seconds").isJsonNull())
        .isFalse();
  }

  @Test
  void jsonLogsCarryTheSameFields() {
    CliRun.Result r = cli().stdin(Lines.hosts(12)).run("in", "-k", "hosts", "--log-format", "json");
    JsonObject line = JsonParser.parseString(r.err().strip()).getAsJsonObject();
    assertThat(line.get("level").getAsString()).isEqualTo("INFO");
    assertThat(line.get("component").getAsString()).isEqualTo("in");
    assertThat(line.get("key").getAsString()).isEqualTo("hosts");
    assertThat(line.get("result").getAsString()).isEqualTo("published");
    assertThat(line.get("lines").getAsInt()).isEqualTo(12);
    CliRun.Result refused = cli().stdin("x\n").run("in", "-k", "hosts", "--log-format", "json");
    JsonObject err = JsonParser.parseString(refused.err().strip()).getAsJsonObject();
    assertThat(err.get("level").getAsString()).isEqualTo("ERROR");
    assertThat(err.get("reason").getAsString()).isEqualTo("too_few_lines");
    assertThat(cli().run("status", "--log-format", "yaml").code()).isEqualTo(2);
  }

  @Test
  void watchModeSendsMetricsPerAppliedVersion() throws Exception {
    cli().stdin(Lines.hosts(12)).run("in", "-k", "hosts");
    Process p =
        Jar.command(
                Map.of("CONSUL_HTTP_ADDR", agent.address()),
                "out",
                "--watch",
                "-k",
                "hosts",
                "-f",
                tmp.resolve("w").toString(),
                "--statsd",
                statsd(),
                "--report",
                "--hostname",
                "watcher")
            .start();
    try {
      List<String> first = receivedUntil(l -> l.startsWith("kvexpress.out.applied"), 20_000);
      assertThat(first).contains("kvexpress.out.applied:1|c|#key:hosts");
      cli().stdin(Lines.hosts(13)).run("in", "-k", "hosts");
      List<String> second = receivedUntil(l -> l.startsWith("kvexpress.out.applied"), 20_000);
      assertThat(second).contains("kvexpress.out.applied:1|c|#key:hosts");
      assertThat(
              NodeReport.parse(Store.get(agent, "kvexpress/hosts/nodes/watcher").bytes())
                  .checksum())
          .isEqualTo(Store.get(agent, "kvexpress/hosts/checksum").text());
    } finally {
      p.toHandle().destroy();
      p.waitFor(5, TimeUnit.SECONDS);
    }
  }

  /** Reads a file's permissions as rwx text. */
  static final class PosixPerms {
    static String of(Path p) throws IOException {
      return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }
  }
}
