package org.kvexpress.core;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When a stop or lock value ends by itself: {@code stop --for 2h} and {@code lock --for 30m} write
 * "until TIME" (an absolute UTC time from the writer's clock) into the value's parenthesis, where
 * Go kvexpress and operators read it as text. Pure. A value without a readable "until" never
 * expires: a freeze whose end cannot be read stays a freeze.
 */
public final class Freeze {
  private static final Pattern UNTIL =
      Pattern.compile("\\(until (\\d{4}-\\d{2}-\\d{2}T[0-9:.]+Z)[,)]");

  private Freeze() {}

  /** The "until TIME" part a stop or lock value carries for {@code --for}. */
  public static String until(Instant end) {
    return "until " + end;
  }

  /** When the freeze in {@code value} ends, or null when it does not. */
  public static Instant expiry(String value) {
    if (value == null) {
      return null;
    }
    Matcher m = UNTIL.matcher(value);
    if (!m.find()) {
      return null;
    }
    try {
      return Instant.parse(m.group(1));
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** Whether the freeze in {@code value} had ended by {@code now}. */
  public static boolean expired(String value, Instant now) {
    Instant end = expiry(value);
    return end != null && !now.isBefore(end);
  }
}
