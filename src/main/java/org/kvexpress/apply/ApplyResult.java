package org.kvexpress.apply;

import java.util.List;

/**
 * What {@code out} did. Refusals and halts are thrown, not returned. {@code repaired} lists the
 * attributes fixed on an already-current file; {@code reloadExit} is null when no reload ran.
 */
public record ApplyResult(
    Outcome outcome, String checksum, int lines, int bytes, List<String> repaired, Integer reloadExit) {

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
