package org.kvexpress.core;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * What one node last did with a key, at {@code <prefix>/<key>/nodes/<hostname>}: the checksum of the file
 * on its disk afterwards, the published checksum it saw, the result (applied, current, refused, halted,
 * failed) and reason, the reload's exit code, and when.
 */
public record NodeReport(
    String checksum, String published, String result, String reason, Integer reloadExit, String time) {

  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

  public byte[] toJson() {
    return GSON.toJson(this).getBytes(StandardCharsets.UTF_8);
  }

  /** The same report but for its time: writing it again would tell nobody anything new. */
  public boolean sameAs(NodeReport other) {
    return other != null && Objects.equals(checksum, other.checksum) && Objects.equals(published, other.published)
        && Objects.equals(result, other.result) && Objects.equals(reason, other.reason)
        && Objects.equals(reloadExit, other.reloadExit);
  }

  public static NodeReport parse(byte[] json) {
    if (json == null || json.length == 0) {
      return null;
    }
    try {
      return GSON.fromJson(new String(json, StandardCharsets.UTF_8), NodeReport.class);
    } catch (JsonParseException | IllegalStateException e) {
      return null;
    }
  }
}
