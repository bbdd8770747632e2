package org.kvexpress.apply;

import java.util.List;
import org.kvexpress.core.Checksum;
import org.kvexpress.core.Result;
import org.kvexpress.log.Fields;

/**
 * What {@code out} did. Refusals and halts are thrown, not returned. {@code repaired} lists the
 * attributes fixed on an already-current file; {@code reloadExit} is null when no reload ran;
 * {@code latencySeconds} is the time from the version's publish to this write (null unless written
 * and the publish time is known); {@code staged} says a canary applied the staged version; {@code
 * publishedAt} is when the version was published (meta's time; null when unknown).
 */
public record ApplyResult(
    Result outcome,
    String checksum,
    int lines,
    int bytes,
    List<String> repaired,
    Integer reloadExit,
    Double latencySeconds,
    boolean staged,
    Timings timings,
    String publishedAt) {

  /**
   * How long the write's waits took: for a reload slot, the reload itself (without its splay), and
   * until the checks passed (null when not asked or not run); and a note worth reporting (a node
   * that was unhealthy before the apply).
   */
  public record Timings(Long slotWaitMs, Long reloadMs, Long healthyMs, String note) {
    public static final Timings NONE = new Timings(null, null, null, null);

    Timings withSlotWait(Long ms) {
      return new Timings(ms, reloadMs, healthyMs, note);
    }

    Timings withReload(Long ms) {
      return new Timings(slotWaitMs, ms, healthyMs, note);
    }
  }

  public ApplyResult(
      Result outcome,
      String checksum,
      int lines,
      int bytes,
      List<String> repaired,
      Integer reloadExit) {
    this(outcome, checksum, lines, bytes, repaired, reloadExit, null, false, Timings.NONE, null);
  }

  /** The result with its version's publish time (meta's), the latency and where it came from. */
  ApplyResult with(Double latency, boolean fromStaged, String published) {
    return new ApplyResult(
        outcome,
        checksum,
        lines,
        bytes,
        repaired,
        reloadExit,
        latency,
        fromStaged,
        timings,
        published);
  }

  ApplyResult with(Timings b) {
    return new ApplyResult(
        outcome,
        checksum,
        lines,
        bytes,
        repaired,
        reloadExit,
        latencySeconds,
        staged,
        b,
        publishedAt);
  }

  /**
   * {@code line} (key and file) with what this result says, as {@code out}'s and the watcher's log
   * lines give it; what is unknown or did not happen is left out (the watch handler's shortcut
   * counts no lines).
   */
  public Fields describe(Fields line) {
    return line.add("result", outcome.word())
        .add("lines", lines < 0 ? null : lines)
        .add("bytes", bytes < 0 ? null : bytes)
        .add("checksum", Checksum.shortForm(checksum))
        .add("repaired", repaired.isEmpty() ? null : String.join(",", repaired))
        .add("reload_exit", reloadExit)
        .add("staged", staged ? Boolean.TRUE : null)
        .add("latency_ms", latencySeconds == null ? null : Math.round(latencySeconds * 1000))
        .add("slot_wait_ms", timings.slotWaitMs())
        .add("reload_ms", timings.reloadMs())
        .add("healthy_ms", timings.healthyMs())
        .add("note", timings.note());
  }
}
