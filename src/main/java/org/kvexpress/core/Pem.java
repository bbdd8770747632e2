package org.kvexpress.core;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** PEM blocks (RFC 7468), what key files hold: the TLS client key and the signing keys. */
public final class Pem {
  private Pem() {}

  /**
   * The DER bytes of the first block labelled exactly {@code label} ("PRIVATE KEY" does not match
   * "EC PRIVATE KEY"), or null when there is none; an IllegalArgumentException when its base64 is
   * damaged.
   */
  public static byte[] block(String text, String label) {
    String begin = "-----BEGIN " + label + "-----";
    String end = "-----END " + label + "-----";
    int from = text.indexOf(begin);
    int to = from < 0 ? -1 : text.indexOf(end, from);
    if (to < 0) {
      return null;
    }
    return Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to));
  }

  /** One block with this label, its base64 in lines of 64 characters. */
  public static String encode(String label, byte[] der) {
    String body =
        Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
  }
}
