package org.kvexpress.agent;

/** A failure the agent can inject into a request, to prove that clients survive it. */
public enum Fault {
  /** Answer 500 without doing anything. */
  HTTP_500,
  /** Close the connection without doing anything or answering. */
  DROP,
  /** Do the request, then close the connection without answering: the client cannot know it happened. */
  DROP_AFTER_APPLY
}
