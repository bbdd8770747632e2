package org.kvexpress.core;

import java.util.Locale;

/**
 * What a run came to, as one value from the command to its exit code, log line, metrics and node
 * report: the successes of each command ({@code in}'s published, out's applied, …, an operator
 * command's ok) and the three ways of not succeeding, each with its {@link Reason}. Written as its
 * lowercase word ({@code published}, {@code would_apply}, …).
 */
public enum Result {
  // in
  PUBLISHED,
  /** Committed, but its answer was lost and a newer version followed before it could say so. */
  SUPERSEDED,
  UNCHANGED,
  SIGNED,
  STAGED,
  WOULD_PUBLISH,
  // out and raw
  APPLIED,
  CURRENT,
  WOULD_APPLY,
  /**
   * Only in a node report: the node waits for a reload slot ({@code out --reload-slots}) and keeps
   * its current file meanwhile.
   */
  WAITING_SLOT,
  // operator commands
  PROMOTED,
  OK,
  /**
   * {@code out --watch} stopped by a signal while it was applying (it finished that apply first).
   */
  INTERRUPTED,
  // not done: see the reason
  REFUSED,
  HALTED,
  FAILED;

  /** The lowercase word logs, metrics and node reports use. */
  public String word() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The result of a run that ended in {@code kind}: refused, halted or failed (a usage error too).
   */
  public static Result of(KvexpressException.Kind kind) {
    return switch (kind) {
      case REFUSED -> REFUSED;
      case HALTED -> HALTED;
      default -> FAILED;
    };
  }

  /**
   * The result a stored word (a node report's) names, or null for a word this version does not
   * know.
   */
  public static Result fromWord(String word) {
    if (word == null) {
      return null;
    }
    try {
      return valueOf(word.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Whether the run did not do what it was asked: refused, halted or failed. */
  public boolean notDone() {
    return this == REFUSED || this == HALTED || this == FAILED;
  }

  /**
   * Whether a node holds the version after this result: it applied it, or it was already current.
   */
  public boolean holds() {
    return this == APPLIED || this == CURRENT;
  }

  /** {@link #holds()} for a stored word (a node report's); an unknown word holds nothing. */
  public static boolean holds(String word) {
    Result r = fromWord(word);
    return r != null && r.holds();
  }

  @Override
  public String toString() {
    return word();
  }
}
