package org.kvexpress.core;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import java.nio.charset.StandardCharsets;

/**
 * The small JSON document at {@code <prefix>/<key>/meta}: what the current data is and where it came
 * from, and the checksum of {@code last}, so that {@code status}, {@code diff} and {@code rollback} need
 * not decode data to describe it.
 */
public record Meta(
    String checksum,
    int lines,
    long bytes,
    String encoding,
    String host,
    String time,
    String source,
    String lastChecksum,
    String id) {

  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

  public byte[] toJson() {
    return GSON.toJson(this).getBytes(StandardCharsets.UTF_8);
  }

  /** The same meta with another writer id. */
  public Meta withId(String newId) {
    return new Meta(checksum, lines, bytes, encoding, host, time, source, lastChecksum, newId);
  }

  /** The same meta with another last checksum. */
  public Meta withLastChecksum(String last) {
    return new Meta(checksum, lines, bytes, encoding, host, time, source, last, id);
  }

  /** Parses a stored meta value; anything unreadable (a hand edit, another tool) counts as absent. */
  public static Meta parse(byte[] json) {
    if (json == null || json.length == 0) {
      return null;
    }
    try {
      return GSON.fromJson(new String(json, StandardCharsets.UTF_8), Meta.class);
    } catch (JsonParseException | IllegalStateException e) {
      return null;
    }
  }
}
