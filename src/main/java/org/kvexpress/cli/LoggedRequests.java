package org.kvexpress.cli;

import java.time.Duration;
import org.kvexpress.kv.RequestTrace;
import org.kvexpress.log.Fields;
import org.kvexpress.log.Log;

/**
 * A store's requests in the log: each request and retry at debug level ({@code -v}), and one
 * warning when Consul stops answering, so a command waiting out its retry budget says why instead
 * of sitting silent (again after Consul answered in between).
 */
final class LoggedRequests implements RequestTrace {
  private static final String COMPONENT = "consul";
  private final Log log;
  private final String address;
  private boolean warned;

  LoggedRequests(Log log, String address) {
    this.log = log;
    this.address = address;
  }

  @Override
  public synchronized void answered(String method, String path, int status, long millis) {
    // A 5xx or 429 is Consul failing, not answering: still the same outage, no second warning.
    if (status < 500 && status != 429) {
      warned = false;
    }
    if (log.enabled(Log.Level.DEBUG)) {
      log.debug(
          COMPONENT,
          Fields.of("request", method + " " + path).add("status", status).add("ms", millis));
    }
  }

  @Override
  public void unanswered(String method, String path, String cause, long millis) {
    if (log.enabled(Log.Level.DEBUG)) {
      log.debug(
          COMPONENT,
          Fields.of("request", method + " " + path).add("error", cause).add("ms", millis));
    }
  }

  @Override
  public synchronized void retrying(String cause, int attempt, long sleepMillis, Duration budget) {
    if (!warned) {
      warned = true;
      log.warn(
          COMPONENT,
          Fields.of("consul", address)
              .add("problem", cause)
              .add(
                  "retrying",
                  "for up to " + budget.toSeconds() + " s (--retry-for); Ctrl-C stops"));
    }
    if (log.enabled(Log.Level.DEBUG)) {
      log.debug(
          COMPONENT,
          Fields.of("retry", attempt).add("after_ms", sleepMillis).add("because", cause));
    }
  }
}
