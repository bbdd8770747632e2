package org.kvexpress.publish;

import org.kvexpress.core.Canonical;

/**
 * What {@code in} did. Refusals and halts are thrown, not returned. {@code diff} is the unified diff
 * against the published version (dry runs, and when asked for); {@code index} is the ModifyIndex of the
 * new data.
 */
public record PublishResult(
    Outcome outcome, Canonical canonical, String checksum, int encodedBytes, String encoding, long index,
    byte[] diff) {

  /** The ways a publish can succeed; SIGNED: the published version was unchanged and is now signed. */
  public enum Outcome {
    PUBLISHED,
    UNCHANGED,
    SIGNED,
    STAGED,
    WOULD_PUBLISH;

    public String word() {
      return switch (this) {
        case PUBLISHED -> "published";
        case UNCHANGED -> "unchanged";
        case SIGNED -> "signed";
        case STAGED -> "staged";
        case WOULD_PUBLISH -> "would_publish";
      };
    }
  }
}
