package org.kvexpress.core;

/**
 * One version of a key as Consul stores it: the stored bytes with their Flags (0 plain, 2 gzip, or
 * {@link Manifest#FLAGS} for a manifest of chunks) and the checksum (lowercase hex SHA-256) of the
 * content. Pure: decoding and verifying, no I/O (a chunked version's chunks are read by the kv
 * layer).
 */
public record Version(byte[] stored, long flags, String checksum) {

  /** Whether the data is a manifest of chunks rather than the content itself. */
  public boolean chunked() {
    return flags == Manifest.FLAGS;
  }

  /** The encoding the Flags name; a refusal for an encoding kvexpress cannot read. */
  public Encoding encoding() {
    return Encoding.fromFlags(flags);
  }

  /**
   * How the content is stored, for meta and status: the encoding, or a chunked version's chunk
   * encoding.
   */
  public String encodingLabel() {
    return chunked() ? Manifest.parse(stored, "data").encoding() : encoding().label();
  }

  /**
   * Decodes the stored bytes (at most {@code maxBytes}, so a gzip bomb is refused, not expanded)
   * and proves they hash to the checksum. {@code what} names the stored value and {@code claimedBy}
   * the key that holds the checksum, for the refusal's message.
   */
  public byte[] verifiedContent(long maxBytes, String what, String claimedBy) {
    if (chunked()) {
      throw new IllegalStateException(
          "a chunked version's content is read with its chunks (VersionStore.content)");
    }
    byte[] plain = encoding().decode(stored, maxBytes);
    String actual = Checksum.sha256Hex(plain);
    if (!actual.equals(checksum)) {
      throw KvexpressException.because(
          Reason.CHECKSUM_MISMATCH,
          what
              + " has checksum "
              + Checksum.shortForm(actual)
              + " but "
              + claimedBy
              + " says "
              + Checksum.shortForm(checksum));
    }
    return plain;
  }
}
