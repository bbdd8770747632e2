package org.kvexpress.brakes;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Problems;
import org.kvexpress.core.Reason;
import org.kvexpress.core.SlotTable;
import org.kvexpress.kv.AgentApi;
import org.kvexpress.kv.KvEntry;
import org.kvexpress.kv.KvListing;
import org.kvexpress.kv.KvStore;
import org.kvexpress.kv.TxnOp;
import org.kvexpress.kv.TxnResult;
import org.kvexpress.log.Fields;
import org.kvexpress.log.Log;

/**
 * Reload slots: at most N nodes of a key write and reload at once, fleet-wide, with the semaphore
 * of Consul's guide. Each waiting node holds a session (tied to its agent's serfHealth and a TTL it
 * renews) and a contender key {@code slots/<session>} acquired with it; the table {@code
 * slots/.lock} lists the holders and is only changed by a check-and-set. A holder whose session
 * ends (its node died or was partitioned: serfHealth; its process died: the TTL ran out) loses its
 * contender key (Behavior delete), and the next node to look prunes it from the table, so a slot
 * never leaks. Giving a slot back is ending the session.
 */
public final class ReloadSlots {
  /** The session's TTL: Consul's minimum; Consul ends an unrenewed session within twice that. */
  public static final Duration SESSION_TTL = Duration.ofSeconds(10);

  private static final Duration RENEW_EVERY = Duration.ofSeconds(3);

  /** The longest blocking query while waiting for a slot. */
  private static final Duration WAIT = Duration.ofSeconds(30);

  /** Check-and-sets of the table lost in a row before the node gives up (see {@link #take}). */
  private static final int LOST_RACES = 20;

  private static final String COMPONENT = "out";

  private final KvStore store;
  private final AgentApi agent;
  private final Log log;
  private final String hostname;

  public ReloadSlots(KvStore store, AgentApi agent, Log log, String hostname) {
    this.store = store;
    this.agent = agent;
    this.log = log;
    this.hostname = hostname;
  }

  /** A slot this node holds; closing it gives it back. */
  public final class Held implements AutoCloseable {
    private final KeyLayout layout;
    private final String session;
    private final ScheduledExecutorService renewer;
    private final long waitedMillis;

    private Held(
        KeyLayout layout, String session, ScheduledExecutorService renewer, long waitedMillis) {
      this.layout = layout;
      this.session = session;
      this.renewer = renewer;
      this.waitedMillis = waitedMillis;
    }

    /** How long this node waited for the slot. */
    public long waitedMillis() {
      return waitedMillis;
    }

    @Override
    public void close() {
      release(layout, session, renewer);
    }
  }

  /**
   * Takes one of {@code limit} slots of {@code layout}'s key, waiting (blocking queries on the
   * slots' folder) while all are held; {@code waiting} runs once, when this node has to wait.
   */
  public Held acquire(KeyLayout layout, int limit, Runnable waiting) throws InterruptedException {
    long start = System.nanoTime();
    String session =
        agent.createSession(
            "kvexpress reload slot of " + layout.key() + " on " + hostname, SESSION_TTL);
    ScheduledExecutorService renewer = renewing(layout, session);
    boolean held = false;
    try {
      if (!agent.acquire(
          layout.slotsDir() + session, hostname.getBytes(StandardCharsets.UTF_8), session)) {
        throw KvexpressException.because(
            Reason.CONSUL_ERROR,
            "Consul did not let session " + session + " hold its contender key; try again");
      }
      take(layout, limit, session, waiting);
      held = true;
      return new Held(layout, session, renewer, (System.nanoTime() - start) / 1_000_000);
    } finally {
      if (!held) {
        release(layout, session, renewer);
      }
    }
  }

  /** The holders' table changed by check-and-set until this session is in it. */
  private void take(KeyLayout layout, int limit, String session, Runnable waiting)
      throws InterruptedException {
    long index = 0;
    boolean said = false;
    int lost = 0;
    while (true) {
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      KvListing l =
          index == 0
              ? store.list(layout.slotsDir())
              : store.watch(layout.slotsDir(), true, index, WAIT);
      SlotsListing slots = SlotsListing.of(layout, l.entries());
      KvEntry stored = slots.table();
      SlotTable table =
          SlotTable.parse(stored == null ? null : stored.value(), limit)
              .pruned(slots.contenders().keySet());
      SlotTable next = table.taking(session, limit);
      if (next == null) {
        if (!said) {
          said = true;
          log.info(
              COMPONENT,
              Fields.of("key", layout.key())
                  .add("step", "waiting for a reload slot")
                  .add("slots", limit)
                  .add("held_by", String.join(",", slots.holdingHosts(table))));
          waiting.run();
        }
        index = KvStore.nextIndex(index, l.index());
        continue;
      }
      TxnResult r =
          store.txn(
              List.of(
                  TxnOp.unchangedSince(layout.slotTable(), stored),
                  TxnOp.set(layout.slotTable(), next.toJson(), 0)));
      if (r.committed()) {
        return;
      }
      // Another node changed the table first, or this token cannot see it (Consul leaves out of a
      // listing what a token may not read, and the guard then never holds): read again, and give
      // up after a run of losses that no honest race produces.
      if (++lost >= LOST_RACES) {
        throw KvexpressException.because(
            Reason.CONFLICT,
            "could not take a reload slot of "
                + layout.key()
                + ": "
                + layout.slotTable()
                + " changed under every one of "
                + LOST_RACES
                + " tries; the token may lack key:read on "
                + layout.slotsDir()
                + " (see docs/acl.md)");
      }
      index = 0;
    }
  }

  private ScheduledExecutorService renewing(KeyLayout layout, String session) {
    ScheduledExecutorService renewer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "kvexpress-slot-renewer");
              t.setDaemon(true);
              return t;
            });
    renewer.scheduleWithFixedDelay(
        () -> {
          try {
            if (!agent.renewSession(session)) {
              log.warn(
                  COMPONENT,
                  Fields.of("key", layout.key())
                      .add("warning", "the reload slot's session ended; the slot is free again")
                      .add("session", session));
            }
          } catch (RuntimeException e) {
            log.warn(
                COMPONENT,
                Fields.of("key", layout.key())
                    .add("warning", "could not renew the reload slot's session")
                    .add("error", Problems.describe(e)));
          }
        },
        RENEW_EVERY.toMillis(),
        RENEW_EVERY.toMillis(),
        TimeUnit.MILLISECONDS);
    return renewer;
  }

  /**
   * Gives the slot back by ending the session: Consul deletes its contender key (Behavior delete),
   * which wakes the waiting nodes, and the first to look prunes the ended session from the table.
   * No write of the table is needed (it saves a read and a Raft write per version and node).
   */
  private void release(KeyLayout layout, String session, ScheduledExecutorService renewer) {
    renewer.shutdownNow();
    try {
      agent.destroySession(session);
    } catch (RuntimeException e) {
      log.warn(
          COMPONENT,
          Fields.of("key", layout.key())
              .add(
                  "warning",
                  "could not end the reload slot's session; Consul ends it within "
                      + 2 * SESSION_TTL.toSeconds()
                      + " s")
              .add("error", Problems.describe(e)));
    }
  }
}
