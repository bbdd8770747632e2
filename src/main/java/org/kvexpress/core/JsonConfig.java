package org.kvexpress.core;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * What every JSON configuration file ({@code out --watch --config}, {@code replicate --config})
 * needs: strict field and type checks, and errors in the file's own terms (where, line and column;
 * the shape that was expected) instead of Gson's, which name its classes. Pure: the caller reads
 * the file.
 */
public final class JsonConfig {
  private JsonConfig() {}

  /**
   * Parses {@code text} and hands it to {@code body}. Invalid JSON, and a value of the wrong type
   * met by {@code body} (Gson's IllegalStateException and kin), become usage errors naming {@code
   * where} ("--config FILE") and the {@code shape} the file should have.
   */
  public static <T> T parse(
      String where, String text, String shape, Function<JsonElement, T> body) {
    try {
      return body.apply(JsonParser.parseString(text));
    } catch (JsonParseException e) {
      throw KvexpressException.usage(
          where + " is " + Problems.describe(e) + "; fix it (jq . shows where)");
    } catch (IllegalStateException
        | UnsupportedOperationException
        | NumberFormatException
        | ClassCastException e) {
      throw KvexpressException.usage(where + " has a value of the wrong type: " + shape);
    }
  }

  /** Refuses any field of {@code o} not in {@code known}, naming it and the known ones. */
  public static void onlyKnown(JsonObject o, Set<String> known, String where, String what) {
    for (String f : o.keySet()) {
      if (!known.contains(f)) {
        throw KvexpressException.usage(
            where
                + ": unknown "
                + what
                + " \""
                + f
                + "\"; known: "
                + String.join(", ", new TreeSet<>(known)));
      }
    }
  }

  /** A text field, or null when absent; anything but a string (a number, a list) is wrong. */
  public static String string(JsonObject o, String field) {
    if (!o.has(field) || o.get(field).isJsonNull()) {
      return null;
    }
    JsonElement v = o.get(field);
    if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
      throw new IllegalStateException(field + " is not a string");
    }
    return v.getAsString();
  }

  /** A list of strings; anything else in it is wrong. */
  public static List<String> strings(JsonArray a) {
    List<String> out = new ArrayList<>();
    for (JsonElement e : a) {
      if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
        throw new IllegalStateException("not a string");
      }
      out.add(e.getAsString());
    }
    return out;
  }
}
