package org.kvexpress.testing;

import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;

/**
 * Waiting in tests without guessing: {@link #until} polls a condition until it holds (and fails
 * naming what never happened), so a test waits exactly as long as the system takes; {@link
 * #holdsFor} is the one kind of fixed wait left, for proving that something does <em>not</em>
 * happen, and its callers say what.
 */
public final class Await {
  private static final long STEP_MS = 10;

  private Await() {}

  /** A condition to poll; it may throw, which counts as "not yet" until the time is up. */
  public interface Check {
    boolean holds() throws Exception;
  }

  /** Polls {@code check} until it holds; fails after {@code within}, naming {@code what}. */
  public static void until(String what, Duration within, Check check) {
    long deadline = System.nanoTime() + within.toNanos();
    Throwable last = null;
    while (true) {
      try {
        if (check.holds()) {
          return;
        }
      } catch (Exception | AssertionError e) {
        last = e;
      }
      if (System.nanoTime() > deadline) {
        fail(
            "waited "
                + within.toMillis()
                + " ms for "
                + what
                + (last == null ? "" : "; last: " + last));
      }
      sleep(STEP_MS);
    }
  }

  /**
   * Proves an absence: {@code check} must keep holding for {@code during} (e.g. "the watcher did
   * not apply"), checked every step. The only place tests wait for a fixed time, because no event
   * marks that something did not happen.
   */
  public static void holdsFor(String what, Duration during, Check check) {
    long deadline = System.nanoTime() + during.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (!check.holds()) {
          fail("expected " + what + " for " + during.toMillis() + " ms, but it stopped holding");
        }
      } catch (Exception e) {
        fail("expected " + what + ", but checking it failed: " + e);
      }
      sleep(STEP_MS * 5);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting", e);
    }
  }
}
