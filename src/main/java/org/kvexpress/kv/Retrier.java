package org.kvexpress.kv;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Runs a call again after transient failures, with exponential backoff and jitter, until a time
 * budget is spent. Backoff starts at 200 ms and doubles up to 4 s; each sleep is between half and
 * all of that.
 */
public final class Retrier {
  private static final long FIRST_BACKOFF_MS = 200;
  private static final long MAX_BACKOFF_MS = 4_000;

  /** A failure worth another attempt; {@code cause} is what to report when the budget is spent. */
  public static final class TransientException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TransientException(String cause) {
      super(cause, null, false, false);
    }
  }

  /** What the caller does when the budget is spent. */
  public interface GiveUp {
    RuntimeException after(String lastCause, int attempts, Duration elapsed);
  }

  /** Sleeps; a seam so tests can count sleeps without waiting. */
  public interface Sleeper {
    void sleep(long millis) throws InterruptedException;
  }

  private final AtomicLong retries = new AtomicLong();
  private final Duration budget;
  private final LongSupplier nanoTime;
  private final Sleeper sleeper;
  private final RequestTrace trace;

  public Retrier(Duration budget) {
    this(budget, RequestTrace.NONE);
  }

  /** A retrier that tells {@code trace} about each retry. */
  public Retrier(Duration budget, RequestTrace trace) {
    this(budget, System::nanoTime, Thread::sleep, trace);
  }

  public Retrier(Duration budget, LongSupplier nanoTime, Sleeper sleeper) {
    this(budget, nanoTime, sleeper, RequestTrace.NONE);
  }

  private Retrier(Duration budget, LongSupplier nanoTime, Sleeper sleeper, RequestTrace trace) {
    this.budget = budget;
    this.nanoTime = nanoTime;
    this.sleeper = sleeper;
    this.trace = trace;
  }

  public Duration budget() {
    return budget;
  }

  /** How many attempts were repeated after a transient failure, over this retrier's life. */
  public long retries() {
    return retries.get();
  }

  /**
   * Calls {@code call} until it returns, throws a non-transient exception, or the budget is spent.
   */
  public <T> T run(Supplier<T> call, GiveUp giveUp) {
    long start = nanoTime.getAsLong();
    long budgetMs = budget.toMillis();
    int attempts = 0;
    long backoff = FIRST_BACKOFF_MS;
    while (true) {
      attempts++;
      try {
        return call.get();
      } catch (TransientException e) {
        long elapsedMs = (nanoTime.getAsLong() - start) / 1_000_000;
        long remaining = budgetMs - elapsedMs;
        long sleep = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
        if (remaining < 50) {
          throw giveUp.after(e.getMessage(), attempts, Duration.ofMillis(elapsedMs));
        }
        retries.incrementAndGet();
        trace.retrying(e.getMessage(), attempts, Math.min(sleep, remaining), budget);
        try {
          sleeper.sleep(Math.min(sleep, remaining));
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw giveUp.after(
              e.getMessage() + " (interrupted)", attempts, Duration.ofMillis(elapsedMs));
        }
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
      }
    }
  }
}
