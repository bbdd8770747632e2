package org.kvexpress.metrics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.kvexpress.fs.AtomicFiles;
import org.kvexpress.fs.FileSettings;

/**
 * node_exporter textfile-collector metrics, written atomically (so the collector never reads half a
 * file). The file itself carries state between runs: counters are read back and incremented, and
 * the last success of each command and key is kept until it is replaced.
 */
public final class TextfileSink {
  /**
   * What one run of a command contributes. {@code checksum} may be null; {@code refusal} null
   * unless refused.
   */
  public record Run(
      String command, String key, boolean success, String checksum, String refusal, double time) {}

  private static final Pattern SAMPLE = Pattern.compile("^(kvexpress_[a-z_]+)\\{(.*)} (\\S+)$");
  private final Path file;

  public TextfileSink(Path file) {
    this.file = file;
  }

  public synchronized void record(Run run) {
    Map<String, String> series = read();
    String cmdKey = "command=\"" + run.command() + "\",key=\"" + esc(run.key()) + "\"";
    if (run.success()) {
      series.put(
          "kvexpress_last_success_timestamp_seconds{" + cmdKey + "}", Double.toString(run.time()));
      if (run.checksum() != null) {
        series.keySet().removeIf(k -> k.startsWith("kvexpress_checksum_info{" + cmdKey + ","));
        series.put(
            "kvexpress_checksum_info{" + cmdKey + ",checksum=\"" + run.checksum() + "\"}", "1");
      }
    } else {
      series.put(
          "kvexpress_last_failure_timestamp_seconds{" + cmdKey + "}", Double.toString(run.time()));
    }
    if (run.refusal() != null) {
      String k = "kvexpress_refusals_total{" + cmdKey + ",reason=\"" + run.refusal() + "\"}";
      series.put(k, Long.toString((long) Double.parseDouble(series.getOrDefault(k, "0")) + 1));
    }
    write(series);
  }

  /** The publish-to-apply delay of the version this node last wrote for {@code key}. */
  public synchronized void applyLatency(String key, double seconds) {
    Map<String, String> series = read();
    series.put(
        "kvexpress_apply_latency_seconds{key=\"" + esc(key) + "\"}", Double.toString(seconds));
    write(series);
  }

  private Map<String, String> read() {
    Map<String, String> series = new TreeMap<>();
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        Matcher m = SAMPLE.matcher(line);
        if (m.matches()) {
          series.put(m.group(1) + "{" + m.group(2) + "}", m.group(3));
        }
      }
    } catch (NoSuchFileException e) {
      // first run
    } catch (IOException e) {
      // unreadable: start over rather than fail the command
    }
    return series;
  }

  private void write(Map<String, String> series) {
    StringBuilder b = new StringBuilder();
    String lastName = null;
    for (Map.Entry<String, String> e : series.entrySet()) {
      String name = e.getKey().substring(0, e.getKey().indexOf('{'));
      if (!name.equals(lastName)) {
        b.append("# HELP ").append(name).append(' ').append(help(name)).append('\n');
        b.append("# TYPE ")
            .append(name)
            .append(' ')
            .append(name.endsWith("_total") ? "counter" : "gauge")
            .append('\n');
        lastName = name;
      }
      b.append(e.getKey()).append(' ').append(e.getValue()).append('\n');
    }
    try (AtomicFiles.Staged staged =
        AtomicFiles.stage(
            file.toAbsolutePath(),
            b.toString().getBytes(StandardCharsets.UTF_8),
            new FileSettings(0644, null, null))) {
      AtomicFiles.swap(staged, false);
    } catch (RuntimeException ignored) {
      // Metrics never fail a command.
    }
  }

  private static String help(String name) {
    return switch (name) {
      case "kvexpress_last_success_timestamp_seconds" ->
          "Unix time of the last successful run per command and key.";
      case "kvexpress_last_failure_timestamp_seconds" ->
          "Unix time of the last run that failed, refused or halted.";
      case "kvexpress_checksum_info" ->
          "Checksum last published (in) or applied (out), as a label.";
      case "kvexpress_refusals_total" -> "Runs refused or halted, by reason.";
      case "kvexpress_apply_latency_seconds" ->
          "Seconds from the publish of the version last written to its write " + "on this node.";
      default -> "kvexpress metric.";
    };
  }

  private static String esc(String s) {
    return s == null ? "" : s.replace("\\", "\\\\").replace("\"", "\\\"");
  }
}
