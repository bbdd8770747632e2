package org.kvexpress.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.kvexpress.core.Canonicalizer;
import org.kvexpress.testing.Await;
import org.kvexpress.testing.Backend;
import org.kvexpress.testing.BackendExtension;
import org.kvexpress.testing.CliRun;
import org.kvexpress.testing.FaultProxy;
import org.kvexpress.testing.Http;
import org.kvexpress.testing.Jar;
import org.kvexpress.testing.Lines;
import org.kvexpress.testing.Promtool;
import org.kvexpress.testing.Store;

/**
 * A real {@code out --watch --metrics-addr} scraped during an apply, a halt and a Consul outage (a
 * proxy in front of Consul that fails every request): the numbers must say what happened, the
 * scrape must pass {@code promtool check metrics}, and /healthz must turn 503 and back.
 */
@Tag("real-consul-only")
@ExtendWith(BackendExtension.class)
class MetricsEndpointIT {
  private Backend consul;
  private Process watcher;
  @TempDir Path tmp;

  @BeforeEach
  void start(Backend backend) {
    consul = backend;
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (watcher != null) {
      watcher.destroy();
      if (!watcher.waitFor(10, TimeUnit.SECONDS)) {
        watcher.destroyForcibly().waitFor();
      }
    }
  }

  @Test
  void scrapesSayWhatHappened() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String metrics = "http://127.0.0.1:" + port + "/metrics";
    String healthz = "http://127.0.0.1:" + port + "/healthz";
    Path file = tmp.resolve("etc/hosts.consul");
    try (FaultProxy proxy = new FaultProxy(consul.address()).start()) {
      watcher =
          Jar.command(
                  Map.of("CONSUL_HTTP_ADDR", proxy.address()),
                  "out",
                  "--watch",
                  "-k",
                  "hosts",
                  "-f",
                  file.toString(),
                  "--wait",
                  "1s",
                  "--metrics-addr",
                  String.valueOf(port),
                  "-e",
                  "sleep 0.3")
              .redirectErrorStream(true)
              .redirectOutput(tmp.resolve("watch.log").toFile())
              .start();
      Await.until("/metrics answers", Duration.ofSeconds(20), () -> scrape(metrics) != null);
      HttpResponse<String> first = Http.get(metrics);
      assertThat(first.headers().firstValue("Content-Type"))
          .hasValue("text/plain; version=0.0.4; charset=utf-8");

      // An apply: the version's info, its publish and apply times, one latency and reload.
      long before = Instant.now().getEpochSecond();
      CliRun.Result in =
          CliRun.against(consul.address()).stdin(Lines.hosts(12)).run("in", "-k", "hosts");
      assertThat(in.code()).as(in.err()).isZero();
      String checksum = Canonicalizer.canonicalize(Lines.hosts(12).getBytes()).checksum();
      Await.until(
          "the scrape shows the applied version",
          Duration.ofSeconds(20),
          () -> scrape(metrics).contains("checksum=\"" + checksum + "\"} 1"));
      String applied = scrape(metrics);
      String labels = "key=\"hosts\",file=\"" + file + "\"";
      assertThat(
              value(
                  applied,
                  "kvexpress_out_results_total{" + labels + ",result=\"applied\",reason=\"\"}"))
          .isEqualTo(1);
      double published =
          value(applied, "kvexpress_applied_version_publish_timestamp_seconds{" + labels + "}");
      double written =
          value(applied, "kvexpress_applied_version_apply_timestamp_seconds{" + labels + "}");
      assertThat(published).isBetween(before - 1.0, written);
      assertThat(written - published).isLessThan(10);
      assertThat(value(applied, "kvexpress_apply_latency_seconds_count{" + labels + "}"))
          .isEqualTo(1);
      assertThat(value(applied, "kvexpress_reload_duration_seconds_count{" + labels + "}"))
          .isEqualTo(1);
      assertThat(value(applied, "kvexpress_reload_duration_seconds_sum{" + labels + "}"))
          .isGreaterThanOrEqualTo(0.3);
      assertThat(value(applied, "kvexpress_halted{" + labels + "}")).isZero();
      Promtool.Result check = Promtool.run(tmp, applied, "check", "metrics");
      assertThat(check.code()).as(check.out()).isZero();

      // A halt: halted 1, one halt counted, the result by its reason; resume: halted 0.
      Store.put(consul, "kvexpress/hosts/stop", "drill");
      CliRun.Result refused =
          CliRun.against(consul.address())
              .stdin(Lines.hosts(13))
              .run("in", "-k", "hosts", "--force");
      assertThat(refused.code()).isEqualTo(4);
      Store.put(consul, "kvexpress/hosts/checksum", "0".repeat(64));
      Await.until(
          "the scrape shows the halt",
          Duration.ofSeconds(20),
          () -> value(scrape(metrics), "kvexpress_halted{" + labels + "}") == 1);
      String halted = scrape(metrics);
      assertThat(value(halted, "kvexpress_halts_total{" + labels + "}")).isEqualTo(1);
      assertThat(
              value(
                  halted,
                  "kvexpress_out_results_total{"
                      + labels
                      + ",result=\"halted\",reason=\"stop_key\"}"))
          .isGreaterThanOrEqualTo(1);
      Store.put(consul, "kvexpress/hosts/checksum", checksum);
      Http.delete(consul.url("/v1/kv/kvexpress/hosts/stop"));
      Await.until(
          "the scrape shows the halt lifted",
          Duration.ofSeconds(20),
          () -> value(scrape(metrics), "kvexpress_halted{" + labels + "}") == 0);

      // An outage: the age since Consul answered grows, /healthz turns 503, then back.
      assertThat(Http.get(healthz).statusCode()).isEqualTo(200);
      proxy.faults().setFailRate(1.0);
      Await.until(
          "the age since Consul answered passes 3 s",
          Duration.ofSeconds(20),
          () ->
              value(scrape(metrics), "kvexpress_consul_last_success_age_seconds{" + labels + "}")
                  > 3);
      Await.until(
          "/healthz says Consul is not answering",
          Duration.ofSeconds(30),
          () -> Http.get(healthz).statusCode() == 503);
      assertThat(Http.get(healthz).body()).contains("Consul has not answered");
      proxy.faults().setFailRate(0);
      Await.until(
          "/healthz healthy again",
          Duration.ofSeconds(40),
          () -> Http.get(healthz).statusCode() == 200);
      assertThat(
              value(scrape(metrics), "kvexpress_consul_last_success_age_seconds{" + labels + "}"))
          .isLessThan(3);
      assertThat(Files.readString(tmp.resolve("watch.log")))
          .contains("metrics=http://127.0.0.1:" + port);
    }
  }

  private static String scrape(String url) {
    HttpResponse<String> r = Http.tryGet(url);
    return r == null || r.statusCode() != 200 ? null : r.body();
  }

  /** The value of one series in a scrape, or -1 when it is not there. */
  private static double value(String scrape, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
    return m.find() ? Double.parseDouble(m.group(1)) : -1;
  }
}
