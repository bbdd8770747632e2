package org.kvexpress.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Lowercase hex SHA-256, the checksum format Go kvexpress uses, so its nodes can verify our data.
 */
public final class Checksum {
  private Checksum() {}

  public static String sha256Hex(byte[] bytes) {
    return HexFormat.of().formatHex(digest().digest(bytes));
  }

  public static String sha256Hex(String text) {
    return sha256Hex(text.getBytes(StandardCharsets.UTF_8));
  }

  /** The first 12 hex digits, enough to tell versions apart in logs and tables. */
  public static String shortForm(String checksum) {
    return checksum == null ? "-" : checksum.substring(0, Math.min(12, checksum.length()));
  }

  /** A fresh SHA-256 digest, for streaming callers. */
  public static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM provides SHA-256", e);
    }
  }
}
