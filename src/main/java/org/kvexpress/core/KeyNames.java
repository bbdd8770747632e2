package org.kvexpress.core;

/**
 * Validates key names and prefixes before any request is made. Segments of {@code [A-Za-z0-9_.,-]}
 * joined by {@code /} are accepted by every released Consul, whatever its key-validation rules
 * (Consul's KV write API).
 */
public final class KeyNames {
  private KeyNames() {}

  /**
   * Returns the key unchanged, or throws a usage error naming the offending character or segment.
   */
  public static String validateKey(String what, String key) {
    if (key == null || key.isEmpty()) {
      throw KvexpressException.usage(what + " must not be empty");
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (!allowed(c) && c != '/') {
        throw KvexpressException.usage(
            String.format(
                "invalid %s \"%s\": character %s is not allowed; use segments of [A-Za-z0-9_.,-] joined by /",
                what, printable(key), describe(c)));
      }
    }
    for (String segment : key.split("/", -1)) {
      if (segment.isEmpty()) {
        throw KvexpressException.usage(
            String.format(
                "invalid %s \"%s\": empty segment (leading, trailing or double /); use segments joined by a single /",
                what, key));
      }
      if (segment.equals("..") || segment.equals(".")) {
        throw KvexpressException.usage(
            String.format(
                "invalid %s \"%s\": segment \"%s\" is not allowed; Consul treats it as a path step",
                what, key, segment));
      }
    }
    return key;
  }

  /** Strips leading and trailing slashes from a prefix, then validates it like a key. */
  public static String normalizePrefix(String prefix) {
    String p = prefix == null ? "" : prefix;
    int start = 0;
    int end = p.length();
    while (start < end && p.charAt(start) == '/') {
      start++;
    }
    while (end > start && p.charAt(end - 1) == '/') {
      end--;
    }
    return validateKey("prefix", p.substring(start, end));
  }

  private static boolean allowed(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '_'
        || c == '.'
        || c == ','
        || c == '-';
  }

  private static String describe(char c) {
    if (c >= 0x21 && c < 0x7f) {
      return "'" + c + "'";
    }
    return String.format("U+%04X%s", (int) c, c == ' ' ? " (space)" : "");
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      b.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c));
    }
    return b.toString();
  }
}
