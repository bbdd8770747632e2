package org.kvexpress.core;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * What a Consul key watch passes its handler on stdin: the watched KV pair as JSON ({@code
 * {"Key":…,"Value":<base64>,"ModifyIndex":…}}), or {@code null} when the key is missing. Pure.
 */
public record WatchPayload(String key, byte[] value, long modifyIndex) {

  /** The pair, or empty for {@code null}, another shape, or anything that is not complete JSON. */
  public static Optional<WatchPayload> parse(byte[] stdin) {
    try {
      JsonElement root = JsonParser.parseString(new String(stdin, StandardCharsets.UTF_8));
      if (!root.isJsonObject()) {
        return Optional.empty();
      }
      JsonObject o = root.getAsJsonObject();
      JsonElement key = o.get("Key");
      JsonElement value = o.get("Value");
      if (key == null || !key.isJsonPrimitive() || value == null || !value.isJsonPrimitive()) {
        return Optional.empty();
      }
      JsonElement index = o.get("ModifyIndex");
      return Optional.of(
          new WatchPayload(
              key.getAsString(),
              Base64.getDecoder().decode(value.getAsString()),
              index != null && index.isJsonPrimitive() ? index.getAsLong() : 0));
    } catch (RuntimeException notAPair) {
      return Optional.empty();
    }
  }

  /**
   * The value as a published checksum: trimmed text (Go kvexpress and hand edits may add a
   * newline).
   */
  public String text() {
    return new String(value, StandardCharsets.UTF_8).strip();
  }
}
