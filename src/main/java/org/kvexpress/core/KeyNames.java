package org.kvexpress.core;

/**
 * Validates key names and prefixes before any request is made. Every name Consul stores is accepted
 * (Go kvexpress's too: {@code hosts@dc1}, {@code a:b}, spaces, any letters), as long as it cannot
 * step out of its prefix or be rewritten by Consul's path cleaning: no empty segment (leading,
 * trailing or double {@code /}), no {@code .} or {@code ..} segment, and no control character,
 * which Consul's HTTP server refuses. Requests percent-encode what a URL path needs.
 */
public final class KeyNames {
  private KeyNames() {}

  /** Whether {@code key} is a name kvexpress can use (see the class). */
  public static boolean isValid(String key) {
    try {
      validateKey("key", key);
      return true;
    } catch (KvexpressException e) {
      return false;
    }
  }

  /**
   * Returns the key unchanged, or throws a usage error naming the offending character or segment.
   */
  public static String validateKey(String what, String key) {
    if (key == null || key.isEmpty()) {
      throw KvexpressException.usage(what + " must not be empty");
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        throw KvexpressException.usage(
            String.format(
                "invalid %s \"%s\": control character %s is not allowed (Consul refuses it)",
                what, printable(key), describe(c)));
      }
    }
    for (String segment : key.split("/", -1)) {
      if (segment.isEmpty()) {
        throw KvexpressException.usage(
            String.format(
                "invalid %s \"%s\": empty segment (leading, trailing or double /); use segments"
                    + " joined by a single /",
                what, printable(key)));
      }
      if (segment.equals("..") || segment.equals(".")) {
        throw KvexpressException.usage(
            String.format(
                "invalid %s \"%s\": segment \"%s\" is not allowed; Consul treats it as a path step",
                what, printable(key), segment));
      }
    }
    return key;
  }

  /**
   * Validates a node name used as one key segment (locks and reports live at {@code
   * .../<hostname>}): a key without {@code /} or whitespace, as host names are.
   */
  public static String validateNodeName(String what, String name) {
    validateKey(what, name);
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '/' || Character.isWhitespace(c)) {
        throw KvexpressException.usage(
            String.format(
                "invalid %s \"%s\": %s is not allowed in a node name; give the host name as"
                    + " hostname(1) prints it",
                what, printable(name), describe(c)));
      }
    }
    return name;
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
