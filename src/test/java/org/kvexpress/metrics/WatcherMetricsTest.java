package org.kvexpress.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class WatcherMetricsTest {
  static final Instant T0 = Instant.parse("2026-12-03T10:00:00Z");

  @Test
  void everyFamilyHasHelpAndTypeAndEverySampleBelongsToOne() {
    WatcherMetrics m = new WatcherMetrics("1.2.3", T0);
    m.watching("hosts", "/etc/hosts");
    m.result(
        "hosts",
        "/etc/hosts",
        "applied",
        null,
        "a".repeat(64),
        "2026-12-03T10:00:01Z",
        "2026-12-03T10:00:01.250Z",
        0.25,
        0.3);
    String text = m.render(T0.plusSeconds(5), 2);
    Set<String> declared = new TreeSet<>();
    for (String line : text.split("\n")) {
      if (line.startsWith("# TYPE ")) {
        declared.add(line.split(" ")[2]);
      }
    }
    for (String line : text.split("\n")) {
      if (!line.startsWith("#")) {
        String name = line.replaceAll("[{ ].*", "");
        String family = name.replaceAll("_(bucket|sum|count)$", "");
        assertThat(declared).as(line).containsAnyOf(name, family);
      }
    }
    assertThat(text)
        .contains("# HELP kvexpress_apply_latency_seconds ")
        .contains("kvexpress_build_info{version=\"1.2.3\"")
        .contains(
            "kvexpress_applied_version_publish_timestamp_seconds{key=\"hosts\",file=\"/etc/hosts\"}"
                + " 1796292001\n")
        .contains(
            "kvexpress_applied_version_apply_timestamp_seconds{key=\"hosts\",file=\"/etc/hosts\"}"
                + " 1796292001.25\n")
        .contains("checksum=\"" + "a".repeat(64) + "\"} 1")
        .contains(
            "kvexpress_out_results_total{key=\"hosts\",file=\"/etc/hosts\",result=\"applied\","
                + "reason=\"\"} 1")
        .contains("kvexpress_consul_retries_total 2")
        .contains("kvexpress_consul_last_success_age_seconds{key=\"hosts\",file=\"/etc/hosts\"} 5");
  }

  @Test
  void histogramBucketsAreCumulativeWithInfSumAndCount() {
    WatcherMetrics m = new WatcherMetrics("x", T0);
    for (double v : List.of(0.04, 0.2, 0.2, 7.0, 999.0)) {
      m.result("k", "f", "applied", null, "c", null, null, v, null);
    }
    String text = m.render(T0, 0);
    assertThat(text)
        .contains("kvexpress_apply_latency_seconds_bucket{key=\"k\",file=\"f\",le=\"0.05\"} 1\n")
        .contains("kvexpress_apply_latency_seconds_bucket{key=\"k\",file=\"f\",le=\"0.25\"} 3\n")
        .contains("kvexpress_apply_latency_seconds_bucket{key=\"k\",file=\"f\",le=\"10\"} 4\n")
        .contains("kvexpress_apply_latency_seconds_bucket{key=\"k\",file=\"f\",le=\"+Inf\"} 5\n")
        .contains("kvexpress_apply_latency_seconds_count{key=\"k\",file=\"f\"} 5\n")
        .contains("kvexpress_apply_latency_seconds_sum{key=\"k\",file=\"f\"} 1006.44\n");
  }

  @Test
  void haltsCountOncePerHaltAndLabelValuesAreEscaped() {
    WatcherMetrics m = new WatcherMetrics("x", T0);
    String file = "/etc/we\"ird\\name";
    m.result("k", file, "halted", "stop_key", null, null, null, null, null);
    m.result("k", file, "halted", "stop_key", null, null, null, null, null);
    m.current("k", file, "c", null);
    m.result("k", file, "halted", "locked", null, null, null, null, null);
    String text = m.render(T0, 0);
    String labels = "key=\"k\",file=\"/etc/we\\\"ird\\\\name\"";
    assertThat(text)
        .contains("kvexpress_halts_total{" + labels + "} 2\n")
        .contains("kvexpress_halted{" + labels + "} 1\n")
        .contains(
            "kvexpress_out_results_total{" + labels + ",result=\"halted\",reason=\"stop_key\"} 2");
    assertThat(Arrays.stream(text.split("\n")).filter(l -> l.contains("\n")).count()).isZero();
  }

  @Test
  void secondsSinceConsulIsTheWorstFileSinceTheStartWhenNeverAnswered() {
    WatcherMetrics m = new WatcherMetrics("x", T0);
    m.watching("a", "fa");
    m.watching("b", "fb");
    m.answered("a", "fa", T0.plusSeconds(30));
    assertThat(m.secondsSinceConsul(T0.plusSeconds(40))).isEqualTo(40.0);
    m.answered("b", "fb", T0.plusSeconds(35));
    assertThat(m.secondsSinceConsul(T0.plusSeconds(40))).isEqualTo(10.0);
  }
}
