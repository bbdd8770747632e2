package org.kvexpress.brakes;

import java.time.Duration;
import java.util.List;
import org.kvexpress.core.HealthVerdict;
import org.kvexpress.kv.AgentApi;
import org.kvexpress.kv.KvStore;

/**
 * The health gate of {@code out --health-service}/{@code --health-check}: this node's checks as
 * Consul holds them (the agent syncs a status change at once), read with blocking queries. A node
 * is healthy when every watched check has passed for {@code settle} without a break; a check that
 * goes critical ends the wait at once.
 */
public final class HealthGate {
  /** Shortest blocking wait: below it Consul's own jitter dominates. */
  private static final Duration MIN_WAIT = Duration.ofMillis(50);

  private final AgentApi agent;
  private final String node;
  private final List<String> services;
  private final List<String> checks;

  public HealthGate(AgentApi agent, String node, List<String> services, List<String> checks) {
    this.agent = agent;
    this.node = node;
    this.services = List.copyOf(services);
    this.checks = List.copyOf(checks);
  }

  /** The verdict now (one request). */
  public HealthVerdict now() {
    return HealthVerdict.of(agent.nodeChecks(node, 0, MIN_WAIT).checks(), services, checks);
  }

  /**
   * Waits until the watched checks have passed for {@code settle} (PASSING), one is critical or
   * none is left (CRITICAL, NONE), or {@code within} has run out (the last verdict, WAITING when it
   * was passing but not yet for long enough).
   */
  public HealthVerdict await(Duration settle, Duration within) throws InterruptedException {
    long start = System.nanoTime();
    long deadline = start + within.toNanos();
    long passingSince = -1;
    long index = 0;
    while (true) {
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      long now = System.nanoTime();
      Duration wait = Duration.ofNanos(Math.max(deadline - now, 0));
      if (passingSince >= 0) {
        wait = min(wait, Duration.ofNanos(settle.toNanos() - (now - passingSince)));
      }
      AgentApi.NodeChecks answer =
          agent.nodeChecks(node, index, wait.compareTo(MIN_WAIT) < 0 ? MIN_WAIT : wait);
      now = System.nanoTime();
      HealthVerdict v = HealthVerdict.of(answer.checks(), services, checks);
      switch (v.state()) {
        case CRITICAL, NONE -> {
          return v;
        }
        case PASSING -> {
          passingSince = passingSince < 0 ? now : passingSince;
          if (now - passingSince >= settle.toNanos()) {
            return v;
          }
        }
        case WAITING -> passingSince = -1;
      }
      if (now >= deadline) {
        return v.state() == HealthVerdict.State.PASSING
            ? new HealthVerdict(HealthVerdict.State.WAITING, v.names(), null, null)
            : v;
      }
      // An index that went backwards (the agent restarted) starts the blocking over.
      index = KvStore.nextIndex(index, answer.index());
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
