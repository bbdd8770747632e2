package org.kvexpress.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Metrics recorded while a command runs, sent when it ends (or after each watch round).
 * Thread-safe.
 */
public final class Metrics {
  /** One measurement: a dogstatsd type ("c" count, "g" gauge, "ms" timing) and tags. */
  public record Sample(String name, double value, String type, Map<String, String> tags) {
    /** The dogstatsd line: {@code name:value|type|#k:v,k2:v2}. */
    public String statsdLine() {
      StringBuilder b =
          new StringBuilder(name).append(':').append(format(value)).append('|').append(type);
      if (!tags.isEmpty()) {
        b.append("|#");
        boolean first = true;
        for (Map.Entry<String, String> t : tags.entrySet()) {
          if (!first) {
            b.append(',');
          }
          first = false;
          b.append(clean(t.getKey())).append(':').append(clean(t.getValue()));
        }
      }
      return b.toString();
    }

    private static String format(double v) {
      return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    /** Tag text may not hold the dogstatsd separators. */
    private static String clean(String s) {
      return s.replaceAll("[|,#:\\s]", "_");
    }
  }

  private final List<Sample> samples = new ArrayList<>();

  public synchronized void count(String name, long value, String... tags) {
    samples.add(new Sample(name, value, "c", tags(tags)));
  }

  public synchronized void gauge(String name, double value, String... tags) {
    samples.add(new Sample(name, value, "g", tags(tags)));
  }

  public synchronized void timing(String name, long millis, String... tags) {
    samples.add(new Sample(name, millis, "ms", tags(tags)));
  }

  /** Everything recorded so far, and forgets it. */
  public synchronized List<Sample> drain() {
    List<Sample> out = new ArrayList<>(samples);
    samples.clear();
    return out;
  }

  private static Map<String, String> tags(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i + 1 < kv.length; i += 2) {
      if (kv[i + 1] != null) {
        m.put(kv[i], kv[i + 1]);
      }
    }
    return m;
  }
}
