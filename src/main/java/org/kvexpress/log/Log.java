package org.kvexpress.log;

import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

/**
 * Grep-able log lines on stderr: {@code 2026-11-25T03:00:00Z [INFO] (in) key=hosts
 * result=published}, or with {@code --log-format json} the same fields as one JSON object per line
 * ({@code {"time":…,"level":"INFO","component":"in","key":"hosts","result":"published"}}). Every
 * line passes through a redactor, so a token that slipped into a message is still never printed.
 */
public final class Log {
  /** Severity, lowest first. */
  public enum Level {
    DEBUG,
    INFO,
    WARN,
    ERROR
  }

  /** How lines are written. */
  public enum Format {
    TEXT,
    JSON
  }

  private final PrintStream out;
  private final Clock clock;
  private final Level threshold;
  private final Format format;
  private volatile String secret;

  public Log(PrintStream out, Clock clock, Level threshold) {
    this(out, clock, threshold, Format.TEXT);
  }

  public Log(PrintStream out, Clock clock, Level threshold, Format format) {
    this.out = out;
    this.clock = clock;
    this.threshold = threshold;
    this.format = format;
  }

  /** Registers the token so that no line can ever contain it. */
  public void redact(String token) {
    this.secret = token == null || token.isEmpty() ? null : token;
  }

  public boolean enabled(Level level) {
    return level.compareTo(threshold) >= 0;
  }

  public void debug(String component, Fields fields) {
    log(Level.DEBUG, component, fields);
  }

  public void info(String component, Fields fields) {
    log(Level.INFO, component, fields);
  }

  public void warn(String component, Fields fields) {
    log(Level.WARN, component, fields);
  }

  public void error(String component, Fields fields) {
    log(Level.ERROR, component, fields);
  }

  public void log(Level level, String component, Fields fields) {
    if (!enabled(level)) {
      return;
    }
    String time = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
    String line;
    if (format == Format.JSON) {
      JsonObject o = new JsonObject();
      o.addProperty("time", time);
      o.addProperty("level", level.name());
      o.addProperty("component", component);
      for (Map.Entry<String, Object> e : fields.asMap().entrySet()) {
        Object v = e.getValue();
        o.add(
            e.getKey(),
            v instanceof Number n
                ? new JsonPrimitive(n)
                : v instanceof Boolean b
                    ? new JsonPrimitive(b)
                    : new JsonPrimitive(String.valueOf(v)));
      }
      line = o.toString();
    } else {
      line = time + " [" + level + "] (" + component + ") " + fields;
    }
    out.println(scrub(line));
    out.flush();
  }

  /** Removes the registered token from any text. */
  public String scrub(String text) {
    String s = secret;
    return s == null || text == null ? text : text.replace(s, "<redacted>");
  }
}
