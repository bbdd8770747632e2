package org.kvexpress.log;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Grep-able log lines on stderr: {@code 2026-11-25T03:00:00Z [INFO] (in) key=hosts result=published}.
 * Every line passes through a redactor, so a token that slipped into a message is still never printed.
 */
public final class Log {
  /** Severity, lowest first. */
  public enum Level { DEBUG, INFO, WARN, ERROR }

  private final PrintStream out;
  private final Clock clock;
  private final Level threshold;
  private volatile String secret;

  public Log(PrintStream out, Clock clock, Level threshold) {
    this.out = out;
    this.clock = clock;
    this.threshold = threshold;
  }

  /** A log that prints nothing, for embedding and tests. */
  public static Log discard() {
    return new Log(new PrintStream(java.io.OutputStream.nullOutputStream()), Clock.systemUTC(), Level.ERROR);
  }

  /** Registers the token so that no line can ever contain it. */
  public void redact(String token) {
    this.secret = token == null || token.isEmpty() ? null : token;
  }

  public boolean enabled(Level level) {
    return level.compareTo(threshold) >= 0;
  }

  public void debug(String component, Fields fields) {
    log(Level.DEBUG, component, fields.toString());
  }

  public void info(String component, Fields fields) {
    log(Level.INFO, component, fields.toString());
  }

  public void warn(String component, Fields fields) {
    log(Level.WARN, component, fields.toString());
  }

  public void error(String component, Fields fields) {
    log(Level.ERROR, component, fields.toString());
  }

  public void log(Level level, String component, String message) {
    if (!enabled(level)) {
      return;
    }
    String line = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS) + " [" + level + "] (" + component + ") "
        + message;
    out.println(scrub(line));
    out.flush();
  }

  /** Removes the registered token from any text. */
  public String scrub(String text) {
    String s = secret;
    return s == null || text == null ? text : text.replace(s, "<redacted>");
  }
}
