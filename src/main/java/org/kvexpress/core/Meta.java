package org.kvexpress.core;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
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

  /** Only writers serialize: building Gson is kept off the path of `out`, which only parses. */
  private static final class Writer {
    static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
  }

  public byte[] toJson() {
    return Writer.GSON.toJson(this).getBytes(StandardCharsets.UTF_8);
  }

  /** The same meta with another writer id. */
  public Meta withId(String newId) {
    return new Meta(checksum, lines, bytes, encoding, host, time, source, lastChecksum, newId);
  }

  /** The same meta with another last checksum. */
  public Meta withLastChecksum(String last) {
    return new Meta(checksum, lines, bytes, encoding, host, time, source, last, id);
  }

  /**
   * Parses a stored meta value; anything unreadable (a hand edit, another tool) counts as absent. Read from the
   * JSON tree rather than by Gson's reflection, which cost every `out` about 10 ms of start-up (Gson's set-up,
   * and on JDK 17 two dynamic proxies) for nine fields.
   */
  public static Meta parse(byte[] json) {
    if (json == null || json.length == 0) {
      return null;
    }
    try {
      JsonObject o = JsonParser.parseString(new String(json, StandardCharsets.UTF_8)).getAsJsonObject();
      return new Meta(text(o, "checksum"), Math.toIntExact(number(o, "lines")), number(o, "bytes"),
          text(o, "encoding"), text(o, "host"), text(o, "time"), text(o, "source"), text(o, "lastChecksum"),
          text(o, "id"));
    } catch (JsonParseException | IllegalStateException | UnsupportedOperationException | ArithmeticException
        | NumberFormatException e) {
      return null;
    }
  }

  private static String text(JsonObject o, String name) {
    JsonElement e = o.get(name);
    return e == null || e.isJsonNull() ? null : e.getAsJsonPrimitive().getAsString();
  }

  private static long number(JsonObject o, String name) {
    JsonElement e = o.get(name);
    return e == null || e.isJsonNull() ? 0 : e.getAsJsonPrimitive().getAsLong();
  }
}
