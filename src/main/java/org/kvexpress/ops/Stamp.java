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
   * When a freeze lasting {@code lasting} from now ends (null: it does not, {@code lasting} null).
   */
  public Freeze ends(Duration lasting) {
    return lasting == null
        ? null
        : new Freeze(Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).plus(lasting));
  }

  /**
   * {@code REASON (until END, stopped by USER@HOST at TIME)} when {@code lasting} is given, for
   * people to read; the end that counts is the {@link org.kvexpress.core.Freeze} written beside it
   * ({@link #ends}), never this text. Else as {@link #describe(String, String, String)}.
   */
  public String describe(String verb, String reason, String extra, Duration lasting) {
    Instant now = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS);
    String until = lasting == null ? "" : "until " + now.plus(lasting) + ", ";
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
