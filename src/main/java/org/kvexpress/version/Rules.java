package org.kvexpress.version;

import org.kvexpress.core.KeyLayout;

/**
 * How a writer commits: how many attempts, whether the stop key guards the write, whether an
 * oversized pair of data and last may be split over two transactions, and what to say when it gives
 * up (after the number of attempts, which the store adds when there were several).
 */
public final class Rules {
  /** Attempts of a publish (or a staging) before it gives up on other writers. */
  private static final int PUBLISH_ATTEMPTS = 6;

  final int attempts;
  final boolean guardStop;
  final boolean split;
  final String gaveUp;

  private Rules(int attempts, boolean guardStop, boolean split, String gaveUp) {
    this.attempts = attempts;
    this.guardStop = guardStop;
    this.split = split;
    this.gaveUp = gaveUp;
  }

  /** {@code in}: retried, stopped by the stop key, split when large. */
  public static Rules publish(KeyLayout layout) {
    return new Rules(
        PUBLISH_ATTEMPTS,
        true,
        true,
        "other publishers keep changing " + layout.dir() + "; try again");
  }

  /** {@code copy}: as a publish, its source read again after each conflict. */
  public static Rules copy(KeyLayout from, KeyLayout to) {
    return new Rules(
        PUBLISH_ATTEMPTS,
        true,
        true,
        from.dir() + " or " + to.dir() + " keep changing; run the copy again");
  }

  /**
   * {@code rollback}: one attempt, no stop guard (rolling back a stopped key is the usual drill),
   * no split: after a conflict the state it was asked to undo is gone, so the operator decides
   * again.
   */
  public static Rules rollback(KeyLayout layout) {
    return new Rules(
        1,
        false,
        false,
        layout.dir()
            + " changed while rolling back; look at 'kvexpress status -k "
            + layout.key()
            + "' and run rollback again if it is still wanted");
  }

  /**
   * {@code promote}: one attempt (the canaries vouched for what was read), stopped by the stop key.
   */
  public static Rules promote(KeyLayout layout) {
    return new Rules(
        1,
        true,
        true,
        layout.dir()
            + " changed while promoting; look at 'kvexpress status -k "
            + layout.key()
            + "' and promote again");
  }

  /** {@code in --stage}: retried, stopped by the stop key. */
  static Rules stage(KeyLayout layout) {
    return new Rules(
        PUBLISH_ATTEMPTS,
        true,
        false,
        "other publishers keep changing " + layout.stagedDir() + "; try again");
  }
}
