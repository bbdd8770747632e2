package org.kvexpress.agent;

import java.time.Duration;

/** A failure the agent (or the tests' proxy in front of Consul) can inject into a request. */
public enum Fault {
  /** Answer 500 without doing anything. */
  HTTP_500,
  /** Close the connection without doing anything or answering. */
  DROP,
  /**
   * Do the request, then close the connection without answering: the client cannot know it
   * happened.
   */
  DROP_AFTER_APPLY,
  /** Hold the request for {@link #DELAY_TIME} before serving it normally. */
  DELAY;

  /**
   * How long {@link #DELAY} holds a request: longer than a quick retry, shorter than any client
   * timeout.
   */
  public static final Duration DELAY_TIME = Duration.ofSeconds(2);
}
