package org.kvexpress.agent;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Which requests fail and how, and the requests seen so far: shared by the dev agent and the tests'
 * fault-injecting proxy in front of real Consul, so both speak one fault vocabulary. Recording
 * keeps only the newest requests ({@code recordLimit}; 0 records nothing), so a long-running agent
 * stays bounded.
 */
public final class FaultPlan {
  private record Planned(
      Predicate<RecordedRequest> when, Fault fault, AtomicInteger remaining, Runnable meanwhile) {}

  /**
   * The fault for one request (null: serve it normally) and what to run after applying it and
   * before the answer is dropped ({@link Fault#DROP_AFTER_APPLY}; null: nothing), e.g. another
   * writer's publish.
   */
  public record Injected(Fault fault, Runnable meanwhile) {
    static final Injected NONE = new Injected(null, null);
  }

  private final int recordLimit;
  private final Deque<RecordedRequest> recorded = new ArrayDeque<>();
  private final List<Planned> planned = new ArrayList<>();
  private volatile double failRate;

  public FaultPlan(int recordLimit, double failRate) {
    this.recordLimit = recordLimit;
    this.failRate = failRate;
  }

  /** The requests received so far, oldest first (at most the newest {@code recordLimit}). */
  public synchronized List<RecordedRequest> requests() {
    return new ArrayList<>(recorded);
  }

  public synchronized int requestCount() {
    return recorded.size();
  }

  public synchronized void clearRequests() {
    recorded.clear();
  }

  /** Injects {@code fault} into the next {@code times} requests that match. */
  public synchronized void failWhen(Predicate<RecordedRequest> when, Fault fault, int times) {
    failWhen(when, fault, times, null);
  }

  /**
   * Injects {@code fault} into the next {@code times} requests that match; with {@link
   * Fault#DROP_AFTER_APPLY}, {@code meanwhile} runs after each is applied and before its answer is
   * dropped.
   */
  public synchronized void failWhen(
      Predicate<RecordedRequest> when, Fault fault, int times, Runnable meanwhile) {
    planned.add(new Planned(when, fault, new AtomicInteger(times), meanwhile));
  }

  /** Fails this fraction of all requests, half with 500 and half by dropping the connection. */
  public void setFailRate(double rate) {
    this.failRate = rate;
  }

  /** Records a request and decides its fault ({@link Injected#fault} null: serve it normally). */
  public synchronized Injected admit(RecordedRequest r) {
    if (recordLimit > 0) {
      if (recorded.size() >= recordLimit) {
        recorded.removeFirst();
      }
      recorded.addLast(r);
    }
    for (Planned p : planned) {
      if (p.remaining().get() > 0 && p.when().test(r)) {
        p.remaining().decrementAndGet();
        return new Injected(p.fault(), p.meanwhile());
      }
    }
    planned.removeIf(p -> p.remaining().get() <= 0);
    if (failRate > 0 && ThreadLocalRandom.current().nextDouble() < failRate) {
      return new Injected(
          ThreadLocalRandom.current().nextBoolean() ? Fault.HTTP_500 : Fault.DROP, null);
    }
    return Injected.NONE;
  }
}
