package org.kvexpress.ops;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Who did something, where and when: appended to stop and lock values so operators can read them at a glance. */
public record Stamp(String user, String host, Clock clock) {
  /** {@code REASON (stopped by USER@HOST at TIME)}; plain text, so Go kvexpress nodes print it as it is. */
  public String describe(String verb, String reason, String extra) {
    return reason + " (" + (extra == null ? "" : extra + ", ") + verb + " by " + user + "@" + host + " at "
        + Instant.now(clock).truncatedTo(ChronoUnit.SECONDS) + ")";
  }
}
