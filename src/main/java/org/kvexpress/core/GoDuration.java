package org.kvexpress.core;

import java.time.Duration;

/**
 * Parses Go's time.ParseDuration syntax ({@code 10s}, {@code 5m}, {@code 1h2m3.5s}, {@code
 * 300000ms}, {@code 0}).
 */
public final class GoDuration {
  private GoDuration() {}

  /**
   * The duration, or null when the text is not a valid Go duration (a bare number other than 0 is
   * not).
   */
  public static Duration parse(String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    String s = text;
    boolean negative = false;
    if (s.charAt(0) == '-' || s.charAt(0) == '+') {
      negative = s.charAt(0) == '-';
      s = s.substring(1);
    }
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    if (s.isEmpty()) {
      return null;
    }
    double totalNanos = 0;
    int i = 0;
    while (i < s.length()) {
      int start = i;
      while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
        i++;
      }
      if (start == i) {
        return null;
      }
      double number;
      try {
        number = Double.parseDouble(s.substring(start, i));
      } catch (NumberFormatException e) {
        return null;
      }
      int unitStart = i;
      while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
        i++;
      }
      double unit;
      switch (s.substring(unitStart, i)) {
        case "ns" -> unit = 1;
        case "us", "µs", "μs" -> unit = 1e3;
        case "ms" -> unit = 1e6;
        case "s" -> unit = 1e9;
        case "m" -> unit = 60e9;
        case "h" -> unit = 3600e9;
        default -> {
          return null;
        }
      }
      totalNanos += number * unit;
    }
    Duration d = Duration.ofNanos((long) totalNanos);
    return negative ? d.negated() : d;
  }

  /** Formats a duration the short way Go prints simple ones: 500ms, 30s, 5m, 1h, or 1m30s. */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 1000 != 0) {
      return ms + "ms";
    }
    long s = ms / 1000;
    if (s == 0) {
      return "0s";
    }
    StringBuilder b = new StringBuilder();
    if (s >= 3600) {
      b.append(s / 3600).append('h');
      s %= 3600;
    }
    if (s >= 60) {
      b.append(s / 60).append('m');
      s %= 60;
    }
    if (s > 0) {
      b.append(s).append('s');
    }
    return b.toString();
  }
}
