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
  private final String goHost;
  private final Clock clock;

  /**
   * What one run did, for the sinks: the command, its key and file (null when it has none), its
   * result and reason (null on success), the checksum published or applied, how long it took, how
   * many Consul requests it retried, and the bytes and lines it published (null when it did not).
   */
  public record Run(
      String command,
      String key,
      String file,
      Result result,
      Reason reason,
      String checksum,
      long millis,
      long retries,
      Long bytes,
      Long lines) {}

  /**
   * The sinks: dogstatsd ({@code statsd}, null: none, with Datadog {@code events} or not, and with
   * Go kvexpress's metric names tagged {@code host:goHost} or not: null), and a textfile (null:
   * none).
   */
  public RunMetrics(
      StatsdSink statsd, boolean events, String goHost, TextfileSink textfile, Clock clock) {
    this.statsd = statsd;
    this.events = events;
    this.goHost = goHost;
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

  /**
   * What the rollout brakes cost a write: statsd timings {@code kvexpress.out.slot_wait} (waiting
   * for a reload slot) and {@code kvexpress.out.time_to_healthy} (reload to passing checks), in
   * milliseconds; nothing for what did not happen.
   */
  public void brakes(String key, Long slotWaitMs, Long healthyMs) {
    if (statsd == null || key == null || slotWaitMs == null && healthyMs == null) {
      return;
    }
    Metrics m = new Metrics();
    if (slotWaitMs != null) {
      m.timing("kvexpress.out.slot_wait", slotWaitMs, "key", key);
    }
    if (healthyMs != null) {
      m.timing("kvexpress.out.time_to_healthy", healthyMs, "key", key);
    }
    statsd.send(m.drain());
  }

  /** Sends these samples to statsd now (long-running commands' gauges); nothing without statsd. */
  public void send(Metrics metrics) {
    if (statsd != null) {
      statsd.send(metrics.drain());
    }
  }

  public boolean enabled() {
    return statsd != null || textfile != null;
  }

  /** Records one run, with the metrics the command added on the way ({@code metrics}). */
  public void run(Metrics metrics, Run run) {
    if (!enabled()) {
      return;
    }
    String command = run.command();
    String key = run.key();
    Result result = run.result();
    Reason reason = run.reason();
    long millis = run.millis();
    long retries = run.retries();
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
    if (statsd != null && goHost != null) {
      GoMetrics.record(metrics, run, goHost);
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
              success ? run.checksum() : null,
              reasonTag,
              clock.millis() / 1000.0));
    }
  }
}
