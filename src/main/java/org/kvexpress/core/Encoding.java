package org.kvexpress.core;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * How a data value is encoded, recorded in the data key's Flags: 0 plain, 1 brotli (Go kvexpress,
 * not decoded here), 2 gzip.
 */
public enum Encoding {
  PLAIN(0),
  BROTLI(1),
  GZIP(2);

  /** The default bound on decoded data: far above any configuration file, far below a gzip bomb. */
  public static final long MAX_DECODED_BYTES = 64L << 20;

  private final long flags;

  Encoding(long flags) {
    this.flags = flags;
  }

  public long flags() {
    return flags;
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The encoding named by a key's Flags, or a refusal naming the unknown value. */
  public static Encoding fromFlags(long flags) {
    for (Encoding e : values()) {
      if (e.flags == flags) {
        return e;
      }
    }
    throw KvexpressException.because(
        Reason.UNKNOWN_ENCODING,
        String.format(
            "data has Flags=%s, an encoding kvexpress does not know (0 plain, 2 gzip); republish it with kvexpress in",
            Long.toUnsignedString(flags)));
  }

  public byte[] encode(byte[] plain) {
    switch (this) {
      case PLAIN:
        return plain;
      case GZIP:
        try {
          ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, plain.length / 4));
          try (GZIPOutputStream gz = new GZIPOutputStream(out, 64 * 1024)) {
            gz.write(plain);
          }
          return out.toByteArray();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      default:
        throw new IllegalStateException("kvexpress does not encode " + label());
    }
  }

  /**
   * Decodes a stored value, refusing anything that would decode to more than {@code maxBytes}: a
   * gzip bomb is stopped after reading at most that much, never expanded into memory.
   */
  public byte[] decode(byte[] stored, long maxBytes) {
    switch (this) {
      case PLAIN:
        return stored;
      case GZIP:
        return gunzip(stored, maxBytes);
      case BROTLI:
        throw KvexpressException.because(
            Reason.UNKNOWN_ENCODING,
            "undecodable here (brotli, Go kvexpress): the value has Flags=1; republish it with kvexpress in (plain or "
                + "--compress)");
      default:
        throw new IllegalStateException();
    }
  }

  /**
   * What an old Go kvexpress's {@code in -z} stored (Go 1.5 to 1.14: the base64 text of gzip data,
   * with Flags 0) decodes to, bounded by {@code maxBytes}; null when the value is not that form.
   */
  public static byte[] goBase64Gzip(byte[] stored, long maxBytes) {
    byte[] zipped;
    try {
      zipped = Base64.getDecoder().decode(new String(stored, StandardCharsets.US_ASCII).strip());
    } catch (IllegalArgumentException notBase64) {
      return null;
    }
    if (zipped.length < 2 || (zipped[0] & 0xff) != 0x1f || (zipped[1] & 0xff) != 0x8b) {
      return null;
    }
    try {
      return gunzip(zipped, maxBytes);
    } catch (KvexpressException undecodable) {
      return null;
    }
  }

  private static byte[] gunzip(byte[] stored, long maxBytes) {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(stored), 64 * 1024)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(256, stored.length * 4));
      byte[] buf = new byte[64 * 1024];
      long total = 0;
      int n;
      while ((n = in.read(buf)) > 0) {
        total += n;
        if (total > maxBytes) {
          throw KvexpressException.because(
              Reason.TOO_LARGE,
              String.format(
                  "gzip data decodes to more than %d bytes (--max-bytes); refusing it as a possible gzip bomb",
                  maxBytes));
        }
        out.write(buf, 0, n);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw KvexpressException.because(
          Reason.UNDECODABLE,
          "data has Flags=2 (gzip) but is not valid gzip ("
              + e.getMessage()
              + "); republish it with kvexpress in");
    }
  }
}
