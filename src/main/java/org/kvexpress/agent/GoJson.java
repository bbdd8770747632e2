package org.kvexpress.agent;

import java.util.List;
import java.util.Map;

/**
 * Writes JSON the way Go's encoding/json does for Consul: compact, with {@code <}, {@code >} and
 * {@code &} escaped as \u003c, \u003e, \u0026; {@code ?pretty} gives a 4-space indent and a
 * trailing newline. Values are Map (insertion order kept), List, String, Number, Boolean or null.
 */
final class GoJson {
  private GoJson() {}

  static String write(Object value, boolean pretty) {
    StringBuilder b = new StringBuilder();
    write(b, value, pretty, 0);
    if (pretty) {
      b.append('\n');
    }
    return b.toString();
  }

  private static void write(StringBuilder b, Object v, boolean pretty, int depth) {
    if (v == null) {
      b.append("null");
    } else if (v instanceof String s) {
      quote(b, s);
    } else if (v instanceof Plain p) {
      b.append('"').append(p.text()).append('"');
    } else if (v instanceof Number || v instanceof Boolean) {
      b.append(v);
    } else if (v instanceof UnsignedLong u) {
      b.append(Long.toUnsignedString(u.value()));
    } else if (v instanceof Map<?, ?> m) {
      if (m.isEmpty()) {
        b.append("{}");
        return;
      }
      b.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!first) {
          b.append(',');
        }
        first = false;
        newline(b, pretty, depth + 1);
        quote(b, String.valueOf(e.getKey()));
        b.append(pretty ? ": " : ":");
        write(b, e.getValue(), pretty, depth + 1);
      }
      newline(b, pretty, depth);
      b.append('}');
    } else if (v instanceof List<?> l) {
      if (l.isEmpty()) {
        b.append("[]");
        return;
      }
      b.append('[');
      for (int i = 0; i < l.size(); i++) {
        if (i > 0) {
          b.append(',');
        }
        newline(b, pretty, depth + 1);
        write(b, l.get(i), pretty, depth + 1);
      }
      newline(b, pretty, depth);
      b.append(']');
    } else {
      throw new IllegalArgumentException("cannot encode " + v.getClass());
    }
  }

  private static void newline(StringBuilder b, boolean pretty, int depth) {
    if (pretty) {
      b.append('\n');
      b.append("    ".repeat(depth));
    }
  }

  static void quote(StringBuilder b, String s) {
    b.append('"');
    if (isPlain(s)) {
      // Keys and base64 values almost never need escaping: copy them in one go.
      b.append(s).append('"');
      return;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        case '<', '>', '&', '\u2028', '\u2029' -> b.append(String.format("\\u%04x", (int) c));
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }

  private static boolean isPlain(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c >= 0x2028) {
        return false;
      }
    }
    return true;
  }

  /** A string known to need no escaping (base64), written without scanning it. */
  record Plain(String text) {}

  /** A uint64 kept in a long, written unsigned. */
  record UnsignedLong(long value) {}
}
