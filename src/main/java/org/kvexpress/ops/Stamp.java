package org.kvexpress.ops;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.kvexpress.core.Freeze;

/**
 * Who did something, where and when: appended to stop and lock values so operators can read them at
 * a glance.
 */
public record Stamp(String user, String host, Clock clock) {
  /**
   * {@code REASON (stopped by USER@HOST at TIME)}; plain text, so Go kvexpress nodes print it as it
   * is.
   */
  public String describe(String verb, String reason, String extra) {
    return describe(verb, reason, extra, null);
  }

  /**
   * {@code REASON (until END, stopped by USER@HOST at TIME)} when {@code lasting} is given (a
   * freeze that ends by itself at END, see {@link org.kvexpress.core.Freeze}), else as {@link
   * #describe(String, String, String)}.
   */
  public String describe(String verb, String reason, String extra, Duration lasting) {
    Instant now = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS);
    String until = lasting == null ? "" : Freeze.until(now.plus(lasting)) + ", ";
    return reason
        + " ("
        + until
        + (extra == null ? "" : extra + ", ")
        + verb
        + " by "
        + user
        + "@"
        + host
        + " at "
        + now
        + ")";
  }
}
