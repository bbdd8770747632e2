package org.kvexpress.apply;

import java.util.List;
import org.kvexpress.core.Checksum;
import org.kvexpress.core.Result;
import org.kvexpress.log.Fields;

/**
 * What {@code out} did. Refusals and halts are thrown, not returned. {@code repaired} lists the
 * attributes fixed on an already-current file; {@code reloadExit} is null when no reload ran;
 * {@code latencySeconds} is the time from the version's publish to this write (null unless written
 * and the publish time is known); {@code staged} says a canary applied the staged version.
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
    Braked braked) {

  /**
   * What the rollout brakes did: the wait for a reload slot and for passing checks (null when not
   * asked), and a note worth reporting (a node that was unhealthy before the apply).
   */
  public record Braked(Long slotWaitMs, Long healthyMs, String note) {
    public static final Braked NONE = new Braked(null, null, null);
  }

  public ApplyResult(
      Result outcome,
      String checksum,
      int lines,
      int bytes,
      List<String> repaired,
      Integer reloadExit) {
    this(outcome, checksum, lines, bytes, repaired, reloadExit, null, false, Braked.NONE);
  }

  ApplyResult with(Double latency, boolean fromStaged) {
    return new ApplyResult(
        outcome, checksum, lines, bytes, repaired, reloadExit, latency, fromStaged, braked);
  }

  ApplyResult with(Braked b) {
    return new ApplyResult(
        outcome, checksum, lines, bytes, repaired, reloadExit, latencySeconds, staged, b);
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
        .add("slot_wait_ms", braked.slotWaitMs())
        .add("healthy_ms", braked.healthyMs())
        .add("note", braked.note());
  }
}
