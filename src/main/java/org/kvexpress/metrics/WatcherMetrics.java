package org.kvexpress.metrics;

import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code out --watch} serves at {@code /metrics}, in the Prometheus text exposition format
 * (version 0.0.4): per key and file, the version on disk (its publish and apply times, its checksum
 * only in an info metric), results by reason, halts, the last time Consul answered,
 * publish-to-apply latency and reload duration histograms; and the process's retries and build.
 * Labels hold only bounded values (key, file, result, reason). Thread-safe: the watcher's loops
 * update it, the HTTP server renders it.
 */
public final class WatcherMetrics {
  /** Publish-to-apply latency buckets, seconds: a fleet's spread from tens of ms to minutes. */
  static final double[] LATENCY_BUCKETS = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};

  /** Reload duration buckets, seconds. */
  static final double[] RELOAD_BUCKETS = {0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

  /** One watched file. */
  private record FileKey(String key, String file) implements Comparable<FileKey> {
    @Override
    public int compareTo(FileKey o) {
      int c = key.compareTo(o.key);
      return c != 0 ? c : file.compareTo(o.file);
    }

    String labels() {
      return "key=\"" + escape(key) + "\",file=\"" + escape(file) + "\"";
    }
  }

  /** One result of a round with its reason ("" when none): a kvexpress_out_results_total series. */
  private record RoundResult(String result, String reason) implements Comparable<RoundResult> {
    @Override
    public int compareTo(RoundResult o) {
      int c = result.compareTo(o.result);
      return c != 0 ? c : reason.compareTo(o.reason);
    }
  }

  private static final class FileState {
    String checksum;
    Double publishedAt;
    Double appliedAt;
    boolean halted;
    long halts;
    Double consulAnsweredAt;
    final Histogram latency = new Histogram(LATENCY_BUCKETS);
    final Histogram reload = new Histogram(RELOAD_BUCKETS);
    final Map<RoundResult, Long> results = new TreeMap<>();
  }

  private static final class Histogram {
    final double[] bounds;
    final long[] counts;
    double sum;
    long count;

    Histogram(double[] bounds) {
      this.bounds = bounds;
      this.counts = new long[bounds.length];
    }

    void observe(double v) {
      for (int i = 0; i < bounds.length; i++) {
        if (v <= bounds[i]) {
          counts[i]++;
        }
      }
      sum += v;
      count++;
    }
  }

  private final Map<FileKey, FileState> files = new TreeMap<>();
  private final String version;
  private final Instant started;

  public WatcherMetrics(String version, Instant started) {
    this.version = version;
    this.started = started;
  }

  private FileState state(String key, String file) {
    return files.computeIfAbsent(new FileKey(key, file), k -> new FileState());
  }

  /** A file the watcher keeps applied (so it is listed before its first round). */
  public synchronized void watching(String key, String file) {
    state(key, file);
  }

  /** Consul answered the file's blocking query at {@code now}. */
  public synchronized void answered(String key, String file, Instant now) {
    state(key, file).consulAnsweredAt = seconds(now);
  }

  /**
   * A round found the file current with {@code checksum}, published at {@code publishedAt} (meta's
   * time; null: unknown): not halted, and not counted as a result.
   */
  public synchronized void current(String key, String file, String checksum, String publishedAt) {
    FileState s = state(key, file);
    s.halted = false;
    if (checksum != null && !checksum.equals(s.checksum)) {
      s.checksum = checksum;
      s.publishedAt = null;
      s.appliedAt = null;
    }
    if (publishedAt != null) {
      s.publishedAt = seconds(publishedAt);
    }
  }

  /**
   * A round's result: {@code checksum} of the file afterwards (null: unknown), its version's
   * publish and apply times (ISO-8601, null: unknown), the latency and reload duration when it
   * wrote.
   */
  public synchronized void result(
      String key,
      String file,
      String result,
      String reason,
      String checksum,
      String publishedAt,
      String appliedAt,
      Double latencySeconds,
      Double reloadSeconds) {
    FileState s = state(key, file);
    s.results.merge(new RoundResult(result, reason == null ? "" : reason), 1L, Long::sum);
    boolean halted = "halted".equals(result);
    if (halted && !s.halted) {
      s.halts++;
    }
    s.halted = halted;
    if (checksum != null) {
      if (!checksum.equals(s.checksum)) {
        s.publishedAt = null;
        s.appliedAt = null;
      }
      s.checksum = checksum;
    }
    if (publishedAt != null) {
      s.publishedAt = seconds(publishedAt);
    }
    if (appliedAt != null) {
      s.appliedAt = seconds(appliedAt);
    }
    if (latencySeconds != null) {
      s.latency.observe(Math.max(0, latencySeconds));
    }
    if (reloadSeconds != null) {
      s.reload.observe(reloadSeconds);
    }
  }

  /**
   * Seconds since Consul last answered the file that heard from it longest ago (since the start
   * when one never did): what /healthz judges.
   */
  public synchronized double secondsSinceConsul(Instant now) {
    double oldest = seconds(now);
    for (FileState s : files.values()) {
      double at = s.consulAnsweredAt == null ? seconds(started) : s.consulAnsweredAt;
      oldest = Math.min(oldest, at);
    }
    return seconds(now) - oldest;
  }

  /** The exposition, with the process's Consul retries so far. */
  public synchronized String render(Instant now, long retries) {
    StringBuilder b = new StringBuilder();
    family(b, "kvexpress_build_info", "gauge", "The running kvexpress build (always 1).");
    b.append("kvexpress_build_info{version=\"")
        .append(escape(version))
        .append("\",java=\"")
        .append(escape(System.getProperty("java.version", "?")))
        .append("\"} 1\n");
    family(
        b,
        "kvexpress_applied_version_info",
        "gauge",
        "The version on disk of each watched file, by checksum (always 1).");
    files.forEach(
        (k, s) -> {
          if (s.checksum != null) {
            b.append("kvexpress_applied_version_info{")
                .append(k.labels())
                .append(",checksum=\"")
                .append(escape(s.checksum))
                .append("\"} 1\n");
          }
        });
    gauge(
        b,
        "kvexpress_applied_version_publish_timestamp_seconds",
        "When the version on disk was published (Unix time).",
        s -> s.publishedAt);
    gauge(
        b,
        "kvexpress_applied_version_apply_timestamp_seconds",
        "When this node wrote the version on disk (Unix time).",
        s -> s.appliedAt);
    gauge(
        b,
        "kvexpress_halted",
        "1 while the file is halted by its key's stop key or this node's lock.",
        s -> s.halted ? 1.0 : 0.0);
    counter(b, "kvexpress_halts_total", "Times the file became halted.", s -> (double) s.halts);
    gauge(
        b,
        "kvexpress_consul_last_success_timestamp_seconds",
        "When Consul last answered the file's blocking query (Unix time).",
        s -> s.consulAnsweredAt);
    gauge(
        b,
        "kvexpress_consul_last_success_age_seconds",
        "Seconds since Consul last answered the file's blocking query (since the start if never).",
        s -> seconds(now) - (s.consulAnsweredAt == null ? seconds(started) : s.consulAnsweredAt));
    family(
        b,
        "kvexpress_out_results_total",
        "counter",
        "Rounds that changed something or did not succeed, by result and reason.");
    files.forEach(
        (k, s) ->
            s.results.forEach(
                (rr, n) -> {
                  b.append("kvexpress_out_results_total{")
                      .append(k.labels())
                      .append(",result=\"")
                      .append(escape(rr.result()))
                      .append("\",reason=\"")
                      .append(escape(rr.reason()))
                      .append("\"} ")
                      .append(n)
                      .append('\n');
                }));
    histogram(
        b,
        "kvexpress_apply_latency_seconds",
        "Seconds from a version's publish to this node writing it.",
        s -> s.latency);
    histogram(
        b,
        "kvexpress_reload_duration_seconds",
        "Seconds the reload command (-e) ran, splay excluded.",
        s -> s.reload);
    family(b, "kvexpress_consul_retries_total", "counter", "Requests to Consul retried.");
    b.append("kvexpress_consul_retries_total ").append(retries).append('\n');
    return b.toString();
  }

  private interface Value {
    Double of(FileState s);
  }

  private void gauge(StringBuilder b, String name, String help, Value v) {
    series(b, name, "gauge", help, v);
  }

  private void counter(StringBuilder b, String name, String help, Value v) {
    series(b, name, "counter", help, v);
  }

  private void series(StringBuilder b, String name, String type, String help, Value v) {
    family(b, name, type, help);
    files.forEach(
        (k, s) -> {
          Double x = v.of(s);
          if (x != null) {
            b.append(name).append('{').append(k.labels()).append("} ").append(num(x)).append('\n');
          }
        });
  }

  private interface HistogramOf {
    Histogram of(FileState s);
  }

  private void histogram(StringBuilder b, String name, String help, HistogramOf h) {
    family(b, name, "histogram", help);
    files.forEach(
        (k, s) -> {
          Histogram x = h.of(s);
          for (int i = 0; i < x.bounds.length; i++) {
            b.append(name)
                .append("_bucket{")
                .append(k.labels())
                .append(",le=\"")
                .append(num(x.bounds[i]))
                .append("\"} ")
                .append(x.counts[i])
                .append('\n');
          }
          b.append(name)
              .append("_bucket{")
              .append(k.labels())
              .append(",le=\"+Inf\"} ")
              .append(x.count)
              .append('\n');
          b.append(name)
              .append("_sum{")
              .append(k.labels())
              .append("} ")
              .append(num(x.sum))
              .append('\n');
          b.append(name)
              .append("_count{")
              .append(k.labels())
              .append("} ")
              .append(x.count)
              .append('\n');
        });
  }

  private static void family(StringBuilder b, String name, String type, String help) {
    b.append("# HELP ").append(name).append(' ').append(help).append('\n');
    b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private static String num(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return String.format(Locale.ROOT, "%.6f", v).replaceAll("0+$", "").replaceAll("\\.$", "");
  }

  /** A label value as the format wants it: backslash, double quote and newline escaped. */
  static String escape(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  private static double seconds(Instant t) {
    return t.toEpochMilli() / 1000.0;
  }

  private static Double seconds(String iso) {
    try {
      return seconds(Instant.parse(iso));
    } catch (RuntimeException e) {
      return null;
    }
  }
}
