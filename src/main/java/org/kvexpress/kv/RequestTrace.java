package org.kvexpress.kv;

import java.time.Duration;

/**
 * What a store tells about its requests, for {@code -v} and for the one line an operator needs when
 * Consul does not answer. Paths carry no token (it travels in a header).
 */
public interface RequestTrace {
  /** Tells nothing. */
  RequestTrace NONE = new RequestTrace() {};

  /** A request answered: method, path with query, HTTP status and how long it took. */
  default void answered(String method, String path, int status, long millis) {}

  /** A request got no answer: {@code cause} in words. */
  default void unanswered(String method, String path, String cause, long millis) {}

  /**
   * A transient failure, retried after {@code sleepMillis}; {@code attempt} is the attempt that
   * failed, {@code budget} the whole retry budget (--retry-for).
   */
  default void retrying(String cause, int attempt, long sleepMillis, Duration budget) {}
}
