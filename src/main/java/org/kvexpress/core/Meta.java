package org.kvexpress.core;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The small JSON document at {@code <prefix>/<key>/meta}: what the current data is and where it
 * came from, and the checksum of {@code last}, so that {@code status}, {@code diff} and {@code
 * rollback} need not decode data to describe it. {@code id} names the commit that wrote this
 * version and {@code history} the commits before it, newest first ({@link Lineage}): how a writer
 * whose answer was lost learns exactly whether its commit happened.
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
    String id,
    List<String> history) {

  public Meta {
    history = history == null ? List.of() : List.copyOf(history);
  }

  /**
   * The stored form: the fields in declaration order, absent ones left out, nothing HTML-escaped.
   * Built as a JSON tree, not by Gson's reflection, which cost `in` about 7 ms of start-up on JDK
   * 17 (annotation proxies).
   */
  public byte[] toJson() {
    JsonObject o = new JsonObject();
    put(o, "checksum", checksum);
    o.addProperty("lines", lines);
    o.addProperty("bytes", bytes);
    put(o, "encoding", encoding);
    put(o, "host", host);
    put(o, "time", time);
    put(o, "source", source);
    put(o, "lastChecksum", lastChecksum);
    put(o, "id", id);
    if (!history.isEmpty()) {
      JsonArray ids = new JsonArray();
      history.forEach(ids::add);
      o.add("history", ids);
    }
    return o.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void put(JsonObject o, String name, String value) {
    if (value != null) {
      o.addProperty(name, value);
    }
  }

  /** The same meta with another commit id and the history of commits before it. */
  public Meta withCommit(String newId, List<String> before) {
    return new Meta(
        checksum, lines, bytes, encoding, host, time, source, lastChecksum, newId, before);
  }

  /** The same meta with another last checksum. */
  public Meta withLastChecksum(String last) {
    return new Meta(checksum, lines, bytes, encoding, host, time, source, last, id, history);
  }

  /**
   * Parses a stored meta value; anything unreadable (a hand edit, another tool) counts as absent.
   * Read from the JSON tree rather than by Gson's reflection, which cost every `out` Gson's set-up
   * and about 230 more classes (on JDK 17 two dynamic proxies, on JDK 18+ method-handle classes)
   * for nine fields.
   */
  public static Meta parse(byte[] json) {
    if (json == null || json.length == 0) {
      return null;
    }
    try {
      JsonObject o =
          JsonParser.parseString(new String(json, StandardCharsets.UTF_8)).getAsJsonObject();
      return new Meta(
          text(o, "checksum"),
          Math.toIntExact(number(o, "lines")),
          number(o, "bytes"),
          text(o, "encoding"),
          text(o, "host"),
          text(o, "time"),
          text(o, "source"),
          text(o, "lastChecksum"),
          text(o, "id"),
          texts(o, "history"));
    } catch (JsonParseException
        | IllegalStateException
        | UnsupportedOperationException
        | ArithmeticException
        | NumberFormatException e) {
      return null;
    }
  }

  private static String text(JsonObject o, String name) {
    JsonElement e = o.get(name);
    return e == null || e.isJsonNull() ? null : e.getAsJsonPrimitive().getAsString();
  }

  /**
   * A list of strings; anything else (a hand edit) makes the whole meta unreadable, so it counts as
   * absent.
   */
  private static List<String> texts(JsonObject o, String name) {
    JsonElement e = o.get(name);
    if (e == null || e.isJsonNull()) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (JsonElement item : e.getAsJsonArray()) {
      out.add(item.getAsJsonPrimitive().getAsString());
    }
    return out;
  }

  private static long number(JsonObject o, String name) {
    JsonElement e = o.get(name);
    return e == null || e.isJsonNull() ? 0 : e.getAsJsonPrimitive().getAsLong();
  }
}
