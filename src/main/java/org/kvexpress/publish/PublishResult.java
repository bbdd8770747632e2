package org.kvexpress.publish;

import org.kvexpress.core.Canonical;

/**
 * What {@code in} did. Refusals and halts are thrown, not returned. {@code diff} is the unified
 * diff against the published version (dry runs, and when asked for); {@code index} is the
 * ModifyIndex of the new data. After a lost answer: {@code current} is the checksum of the newer
 * version that superseded this publish (SUPERSEDED), and {@code stoppedSince} the reason of a stop
 * set after it committed (else null).
 */
public record PublishResult(
    Outcome outcome,
    Canonical canonical,
    String checksum,
    int encodedBytes,
    String encoding,
    long index,
    byte[] diff,
    String current,
    String stoppedSince) {

  public PublishResult(
      Outcome outcome,
      Canonical canonical,
      String checksum,
      int encodedBytes,
      String encoding,
      long index,
      byte[] diff) {
    this(outcome, canonical, checksum, encodedBytes, encoding, index, diff, null, null);
  }

  /**
   * The ways a publish can succeed; SIGNED: the published version was unchanged and is now signed;
   * SUPERSEDED: it was committed, its answer was lost, and a newer version has replaced it since.
   */
  public enum Outcome {
    PUBLISHED,
    SUPERSEDED,
    UNCHANGED,
    SIGNED,
    STAGED,
    WOULD_PUBLISH;

    public String word() {
      return switch (this) {
        case PUBLISHED -> "published";
        case SUPERSEDED -> "superseded";
        case UNCHANGED -> "unchanged";
        case SIGNED -> "signed";
        case STAGED -> "staged";
        case WOULD_PUBLISH -> "would_publish";
      };
    }
  }
}
