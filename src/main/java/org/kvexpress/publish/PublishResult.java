package org.kvexpress.publish;

import org.kvexpress.core.Canonical;
import org.kvexpress.core.Result;

/**
 * What {@code in} did. Refusals and halts are thrown, not returned. {@code diff} is the unified
 * diff against the published version (dry runs, and when asked for); {@code index} is the
 * ModifyIndex of the new data. After a lost answer: {@code current} is the checksum of the newer
 * version that superseded this publish (SUPERSEDED), and {@code stoppedSince} the reason of a stop
 * set after it committed (else null).
 */
public record PublishResult(
    Result outcome,
    Canonical canonical,
    String checksum,
    int encodedBytes,
    String encoding,
    long index,
    byte[] diff,
    String current,
    String stoppedSince) {

  public PublishResult(
      Result outcome,
      Canonical canonical,
      String checksum,
      int encodedBytes,
      String encoding,
      long index,
      byte[] diff) {
    this(outcome, canonical, checksum, encodedBytes, encoding, index, diff, null, null);
  }
}
