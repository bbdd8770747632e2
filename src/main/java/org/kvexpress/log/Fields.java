package org.kvexpress.log;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Ordered key=value pairs of one log line. */
public final class Fields {
  private final Map<String, Object> values = new LinkedHashMap<>();

  public static Fields of(String key, Object value) {
    return new Fields().add(key, value);
  }

  public Fields add(String key, Object value) {
    if (value != null) {
      values.put(key, value);
    }
    return this;
  }

  public Fields addAll(Fields other) {
    values.putAll(other.values);
    return this;
  }

  public Object get(String key) {
    return values.get(key);
  }

  public Map<String, Object> asMap() {
    return Collections.unmodifiableMap(values);
  }

  /** {@code k=v k2="v with spaces"}: values with spaces, quotes or = are quoted. */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    values.forEach(
        (k, v) -> {
          if (b.length() > 0) {
            b.append(' ');
          }
          b.append(k).append('=').append(quoteIfNeeded(String.valueOf(v)));
        });
    return b.toString();
  }

  static String quoteIfNeeded(String s) {
    if (!s.isEmpty() && s.chars().noneMatch(c -> c <= ' ' || c == '"' || c == '=' || c == '\\')) {
      return s;
    }
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> b.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
      }
    }
    return b.append('"').toString();
  }
}
