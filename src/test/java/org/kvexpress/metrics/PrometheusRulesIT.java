package org.kvexpress.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.kvexpress.testing.ConsulBinary;
import org.kvexpress.testing.Promtool;

/**
 * examples/prometheus as Prometheus sees it: the rules load, their unit tests pass, and every
 * metric the rules and the Grafana dashboard use is one the watcher serves (or a recording rule).
 */
@Tag("no-backend")
class PrometheusRulesIT {
  static final Path DIR = ConsulBinary.projectRoot().resolve("examples/prometheus");

  @Test
  void rulesLoadAndTheirUnitTestsPass() {
    Promtool.Result check = Promtool.run(DIR, null, "check", "rules", "rules.yml");
    assertThat(check.code()).as(check.out()).isZero();
    Promtool.Result test = Promtool.run(DIR, null, "test", "rules", "rules_test.yml");
    assertThat(test.code()).as(test.out()).isZero();
    assertThat(test.out()).contains("SUCCESS");
  }

  @Test
  void everyMetricTheRulesAndTheDashboardUseExists() throws IOException {
    WatcherMetrics m = new WatcherMetrics("x", Instant.EPOCH);
    m.result("k", "f", "applied", null, "c", "1970-01-01T00:00:01Z", null, 1.0, 1.0);
    Set<String> served = new TreeSet<>(Set.of("up"));
    for (String line : m.render(Instant.EPOCH, 0).split("\n")) {
      if (line.startsWith("# TYPE ")) {
        String name = line.split(" ")[2];
        served.add(name);
        if (line.endsWith(" histogram")) {
          served.add(name + "_bucket");
          served.add(name + "_sum");
          served.add(name + "_count");
        }
      }
    }
    String rules = Files.readString(DIR.resolve("rules.yml"));
    Matcher rec = Pattern.compile("record: (\\S+)").matcher(rules);
    while (rec.find()) {
      served.add(rec.group(1));
    }
    StringBuilder exprs = new StringBuilder(rules);
    JsonObject dashboard =
        JsonParser.parseString(Files.readString(DIR.resolve("grafana-dashboard.json")))
            .getAsJsonObject();
    for (JsonElement panel : dashboard.getAsJsonArray("panels")) {
      for (JsonElement t : panel.getAsJsonObject().getAsJsonArray("targets")) {
        exprs.append('\n').append(t.getAsJsonObject().get("expr").getAsString());
      }
    }
    Matcher used = Pattern.compile("\\b(kvexpress[_:][a-z0-9_:]+)").matcher(exprs);
    Set<String> missing = new TreeSet<>();
    while (used.find()) {
      if (!served.contains(used.group(1))) {
        missing.add(used.group(1));
      }
    }
    assertThat(missing).as("metrics the rules or dashboard use that nobody serves").isEmpty();
  }
}
