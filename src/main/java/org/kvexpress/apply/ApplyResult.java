package org.kvexpress.apply;

import java.util.List;

/**
 * What {@code out} did. Refusals and halts are thrown, not returned. {@code repaired} lists the
 * attributes fixed on an already-current file; {@code reloadExit} is null when no reload ran;
 * {@code latencySeconds} is the time from the version's publish to this write (null unless written and the
 * publish time is known); {@code staged} says a canary applied the staged version.
 */
public record ApplyResult(
    Outcome outcome, String checksum, int lines, int bytes, List<String> repaired, Integer reloadExit,
    Double latencySeconds, boolean staged) {

  public ApplyResult(Outcome outcome, String checksum, int lines, int bytes, List<String> repaired,
      Integer reloadExit) {
    this(outcome, checksum, lines, bytes, repaired, reloadExit, null, false);
  }

  ApplyResult with(Double latency, boolean fromStaged) {
    return new ApplyResult(outcome, checksum, lines, bytes, repaired, reloadExit, latency, fromStaged);
  }

  /** The ways an apply can succeed. */
  public enum Outcome {
    WROTE,
    CURRENT,
    WOULD_WRITE;

    public String word() {
      return switch (this) {
        case WROTE -> "applied";
        case CURRENT -> "current";
        case WOULD_WRITE -> "would_apply";
      };
    }
  }
}
