package org.kvexpress.core;

/**
 * One version of a key as Consul stores it: the stored bytes with their Flags (0 plain, 2 gzip) and the
 * checksum (lowercase hex SHA-256) of what they decode to. Pure: decoding and verifying, no I/O.
 */
public record Version(byte[] stored, long flags, String checksum) {

  /** The encoding the Flags name; a refusal for an encoding kvexpress cannot read. */
  public Encoding encoding() {
    return Encoding.fromFlags(flags);
  }

  /**
   * Decodes the stored bytes (at most {@code maxBytes}, so a gzip bomb is refused, not expanded) and proves
   * they hash to the checksum. {@code what} names the stored value and {@code claimedBy} the key that holds
   * the checksum, for the refusal's message.
   */
  public byte[] verifiedContent(long maxBytes, String what, String claimedBy) {
    byte[] plain = encoding().decode(stored, maxBytes);
    String actual = Checksum.sha256Hex(plain);
    if (!actual.equals(checksum)) {
      throw KvexpressException.refused(Reason.CHECKSUM_MISMATCH, what + " has checksum " + Checksum.shortForm(actual)
          + " but " + claimedBy + " says " + Checksum.shortForm(checksum));
    }
    return plain;
  }
}
