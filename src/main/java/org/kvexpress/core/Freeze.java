package org.kvexpress.core;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * When a stop or a lock ends by itself ({@code stop --for 2h}, {@code lock --for 30m}). The end is
 * never read from the stop's or lock's own value, which is free text that Go kvexpress and
 * operators write too: it lives in a key of its own beside it ({@code <stop>/until}, {@code
 * <lock>/until}), as a versioned JSON document only kvexpress writes ({@code
 * {"kvexpress":"freeze","v":1,"until": "2026-12-03T10:00:00Z"}}), written in the same transaction
 * as the stop or lock. It applies only while its ModifyIndex equals theirs (a transaction gives all
 * its writes one index), so a stop written again by anyone (Go's {@code stop} included) halts for
 * good, as Go's does. Pure.
 */
public record Freeze(Instant until) {
  /** The stored form of this freeze's end. */
  public byte[] toJson() {
    JsonObject o = new JsonObject();
    o.addProperty("kvexpress", "freeze");
    o.addProperty("v", 1);
    o.addProperty("until", until.toString());
    return o.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * A stored freeze, or null for anything that is not exactly this form (a hand edit, a newer v).
   */
  public static Freeze parse(byte[] json) {
    if (json == null) {
      return null;
    }
    try {
      JsonObject o =
          JsonParser.parseString(new String(json, StandardCharsets.UTF_8)).getAsJsonObject();
      JsonElement kind = o.get("kvexpress");
      JsonElement v = o.get("v");
      JsonElement until = o.get("until");
      if (kind == null
          || !"freeze".equals(kind.getAsString())
          || v == null
          || v.getAsInt() != 1
          || until == null) {
        return null;
      }
      return new Freeze(Instant.parse(until.getAsString()));
    } catch (JsonParseException
        | IllegalStateException
        | UnsupportedOperationException
        | NumberFormatException
        | DateTimeParseException e) {
      return null;
    }
  }

  /**
   * When the stop or lock written at {@code haltIndex} ends: its freeze's end, when the freeze
   * ({@code untilValue}, written at {@code untilIndex}) was written with it; otherwise null (it
   * never ends by itself).
   */
  public static Instant endOf(long haltIndex, byte[] untilValue, long untilIndex) {
    if (untilValue == null || untilIndex != haltIndex) {
      return null;
    }
    Freeze f = parse(untilValue);
    return f == null ? null : f.until();
  }

  /** Whether a halt ending at {@code end} (null: never) has ended by {@code now}. */
  public static boolean over(Instant end, Instant now) {
    return end != null && !now.isBefore(end);
  }
}
