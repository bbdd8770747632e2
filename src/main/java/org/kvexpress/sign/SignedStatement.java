package org.kvexpress.sign;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import java.nio.charset.StandardCharsets;
import org.kvexpress.core.KeyLayout;

/**
 * What {@code <prefix>/<key>/signature} holds: a statement that the signer published this checksum
 * as this key under this prefix at this time, and the Ed25519 signature over its {@link #text()}.
 * Binding prefix, key and checksum means a signature cannot be moved to another key or other data;
 * the time is what {@code out --no-older} compares.
 */
public record SignedStatement(
    String format,
    String prefix,
    String key,
    String checksum,
    String time,
    String publisher,
    String signer,
    String fingerprint,
    String signature) {

  public static final String FORMAT = "kvexpress-signature/1";
  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

  /**
   * The exact bytes that are signed: every field but the signature, one per line, in a fixed order.
   */
  public byte[] text() {
    return String.join(
            "\n",
            FORMAT,
            "prefix=" + prefix,
            "key=" + key,
            "checksum=" + checksum,
            "time=" + time,
            "publisher=" + publisher,
            "signer=" + signer,
            "fingerprint=" + fingerprint,
            "")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** The same statement with its signature (base64). */
  SignedStatement withSignature(String base64) {
    return new SignedStatement(
        format, prefix, key, checksum, time, publisher, signer, fingerprint, base64);
  }

  public byte[] toJson() {
    return GSON.toJson(this).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Whether this statement is about {@code checksum} published as {@code layout} (its signature
   * unchecked).
   */
  public boolean covers(KeyLayout layout, String checksum) {
    return prefix.equals(layout.prefix())
        && key.equals(layout.key())
        && this.checksum.equals(checksum);
  }

  /** Who signed, for status and logs: {@code signer (fingerprint) at time by publisher}. */
  public String describe() {
    return signer + " (" + fingerprint + ") at " + time + " by " + publisher;
  }

  /** A stored statement, or null when the value is not one (a truncated or hand-written value). */
  public static SignedStatement parse(byte[] json) {
    if (json == null || json.length == 0) {
      return null;
    }
    try {
      SignedStatement s =
          GSON.fromJson(new String(json, StandardCharsets.UTF_8), SignedStatement.class);
      boolean complete =
          s != null
              && FORMAT.equals(s.format())
              && s.prefix() != null
              && s.key() != null
              && s.checksum() != null
              && s.time() != null
              && s.publisher() != null
              && s.signer() != null
              && s.fingerprint() != null
              && s.signature() != null;
      return complete ? s : null;
    } catch (JsonParseException | IllegalStateException e) {
      return null;
    }
  }
}
