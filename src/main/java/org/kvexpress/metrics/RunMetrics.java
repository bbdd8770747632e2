package org.kvexpress.metrics;

import java.time.Clock;
import java.util.List;
import org.kvexpress.core.Reason;
import org.kvexpress.core.Result;

/**
 * Sends what one run (or one watch round) did to the configured metric sinks: dogstatsd over UDP
 * ({@code --statsd}, KVEXPRESS_STATSD_ADDR) and a node_exporter textfile ({@code --metrics-file}).
 * Without either it does nothing, and it never fails or slows a command.
 */
public final class RunMetrics {
  private final StatsdSink statsd;
  private final boolean events;
  private final TextfileSink textfile;
  private final Clock clock;

  /**
   * The sinks: dogstatsd ({@code statsd}, null: none, with Datadog {@code events} or not) and a
   * textfile (null: none).
   */
  public RunMetrics(StatsdSink statsd, boolean events, TextfileSink textfile, Clock clock) {
    this.statsd = statsd;
    this.events = events;
    this.textfile = textfile;
    this.clock = clock;
  }

  /** Whether Datadog events are sent (--datadog-events, or Go's -d). */
  public boolean events() {
    return events && statsd != null;
  }

  /** Sends a Datadog event tagged with the key, when events are on. */
  public void event(String title, String text, String alertType, String key) {
    if (events()) {
      statsd.event(title, text, alertType, key == null ? List.of() : List.of("key:" + key));
    }
  }

  /**
   * The node's publish-to-apply delay of a version it just wrote: a statsd timing ({@code
   * kvexpress.out.apply_latency}, milliseconds) and the textfile gauge {@code
   * kvexpress_apply_latency_seconds{key}}, for the fleet's propagation graph.
   */
  public void applyLatency(String key, Double seconds) {
    if (seconds == null || key == null) {
      return;
    }
    if (statsd != null) {
      Metrics m = new Metrics();
      m.timing("kvexpress.out.apply_latency", Math.max(0, Math.round(seconds * 1000)), "key", key);
      statsd.send(m.drain());
    }
    if (textfile != null) {
      textfile.applyLatency(key, Math.max(0, seconds));
    }
  }

  public boolean enabled() {
    return statsd != null || textfile != null;
  }

  /**
   * Records one run. {@code result} is the command's own word (published, applied, refused, …),
   * {@code reason} the refusal or failure tag (else null), {@code checksum} what was published or
   * applied.
   */
  public void run(
      Metrics metrics,
      String command,
      String key,
      Result result,
      Reason reason,
      String checksum,
      long millis,
      long retries) {
    if (!enabled()) {
      return;
    }
    metrics.timing(
        "kvexpress.run.duration", millis, "command", command, "result", result.word(), "key", key);
    metrics.count("kvexpress.run", 1, "command", command, "result", result.word(), "key", key);
    boolean refused = result == Result.REFUSED || result == Result.HALTED;
    String reasonTag = refused && reason != null ? reason.tag() : null;
    if (refused) {
      metrics.count("kvexpress.refusal", 1, "command", command, "reason", reasonTag, "key", key);
    }
    if (retries > 0) {
      metrics.count("kvexpress.retries", retries, "command", command, "key", key);
    }
    if (statsd != null) {
      statsd.send(metrics.drain());
    } else {
      metrics.drain();
    }
    if (textfile != null && key != null) {
      boolean success = !result.notDone();
      textfile.record(
          new TextfileSink.Run(
              command,
              key,
              success,
              success ? checksum : null,
              reasonTag,
              clock.millis() / 1000.0));
    }
  }
}
