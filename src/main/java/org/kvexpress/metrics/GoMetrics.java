package org.kvexpress.metrics;

import org.kvexpress.core.Reason;
import org.kvexpress.core.Result;

/**
 * Go kvexpress's dogstatsd metrics, so that a Datadog dashboard drawn from a Go fleet keeps drawing
 * (sent with {@code --go-metrics}, which Go's {@code -d}/{@code -D} and a -C config's {@code
 * dogstatsd: true} turn on). Names and tags as Go sent them: every sample is tagged {@code key:},
 * {@code host:}, {@code direction:} (the command) and {@code location:} (where the run ended:
 * {@code complete}, {@code stop_key}, {@code not_long_enough}, …); {@code kvexpress.locked} is
 * tagged with the file as its key, as Go's was.
 */
public final class GoMetrics {
  private GoMetrics() {}

  /** Adds to {@code m} the samples Go kvexpress would have sent for {@code run} on {@code host}. */
  public static void record(Metrics m, RunMetrics.Run run, String host) {
    String location = location(run);
    String[] tags = tags(run.key(), run, host, location);
    boolean done = !run.result().notDone();
    if (done) {
      String counter =
          switch (run.command()) {
            case "in" -> run.result() == Result.PUBLISHED ? "kvexpress.in" : null;
            case "out" -> run.result() == Result.APPLIED ? "kvexpress.out" : null;
            case "raw" -> run.result() == Result.APPLIED ? "kvexpress.raw" : null;
            case "lock" -> "kvexpress.lock";
            case "unlock" -> "kvexpress.unlock";
            default -> null;
          };
      if (counter != null) {
        m.count(counter, 1, tags);
      }
      if (counter != null && run.command().equals("in")) {
        if (run.bytes() != null) {
          m.gauge("kvexpress.bytes", run.bytes(), tags);
        }
        if (run.lines() != null) {
          m.gauge("kvexpress.lines", run.lines(), tags);
        }
      }
    } else if (run.reason() == Reason.LOCKED) {
      String file = run.file() != null ? run.file() : run.key();
      m.count("kvexpress.locked", 1, tags(file, run, host, "complete"));
    } else if (run.reason() == Reason.TOO_FEW_LINES) {
      m.count("kvexpress.not_long_enough", 1, tags);
    } else if (run.reason() == Reason.CHECKSUM_MISMATCH) {
      m.count("kvexpress.checksum_mismatch", 1, tags);
    }
    if (run.retries() > 0) {
      m.count(
          "kvexpress.consul_reconnect", run.retries(), "host", host, "direction", run.command());
    }
    if (run.result() != Result.CURRENT) {
      // Go stopped without a timing when the file already matched.
      m.gauge("kvexpress.time", run.millis(), tags);
    }
  }

  /** Go's location tag: where the run ended. */
  static String location(RunMetrics.Run run) {
    if (run.result() == Result.UNCHANGED) {
      return "consul_checksums_match";
    }
    if (!run.result().notDone()) {
      return "complete";
    }
    if (run.reason() == Reason.TOO_FEW_LINES) {
      return "not_long_enough";
    }
    return run.reason() == null ? run.result().word() : run.reason().tag();
  }

  private static String[] tags(String key, RunMetrics.Run run, String host, String location) {
    return new String[] {
      "key", key, "host", host, "direction", run.command(), "location", location
    };
  }
}
