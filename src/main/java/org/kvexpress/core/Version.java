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
   * and proves they hash to the checksum. {@code what} names the stored value, {@code claimedBy}
   * the key that holds the checksum and {@code then} what a refusal means (null: nothing), for the
   * refusal's message. Data an old Go kvexpress wrote with {@code in -z} (base64 of gzip, Flags 0)
   * is decoded when it then hashes to the checksum, which proves it.
   */
  public byte[] verifiedContent(long maxBytes, String what, String claimedBy, String then) {
    if (chunked()) {
      throw new IllegalStateException(
          "a chunked version's content is read with its chunks (VersionReader.verified)");
    }
    byte[] plain = encoding().decode(stored, maxBytes);
    String actual = Checksum.sha256Hex(plain);
    if (actual.equals(checksum)) {
      return plain;
    }
    byte[] goZipped = flags == 0 ? Encoding.goBase64Gzip(stored, maxBytes) : null;
    if (goZipped != null && Checksum.sha256Hex(goZipped).equals(checksum)) {
      return goZipped;
    }
    throw KvexpressException.because(
        Reason.CHECKSUM_MISMATCH,
        what
            + (goZipped != null
                ? " was written by an old Go kvexpress with -z (base64 gzip, Flags 0) and decodes to"
                    + " checksum "
                    + Checksum.shortForm(Checksum.sha256Hex(goZipped))
                : " has checksum " + Checksum.shortForm(actual))
            + " but "
            + claimedBy
            + " says "
            + Checksum.shortForm(checksum)
            + (then == null ? "" : "; " + then)
            + (goZipped != null ? "; republish it with this kvexpress" : ""));
  }
}
