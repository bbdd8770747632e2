package org.kvexpress.apply;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Reason;
import org.kvexpress.core.Result;
import org.kvexpress.kv.KvEntry;
import org.kvexpress.kv.KvListing;
import org.kvexpress.kv.KvStore;
import org.kvexpress.log.Fields;
import org.kvexpress.log.Log;
import org.kvexpress.version.KeySnapshot;

/**
 * {@code out --watch}: one loop per file, each blocking on one key and running the full apply
 * whenever that key says something may have changed. Normally that key is the version's checksum:
 * data, checksum, last and meta change in one transaction, so the checksum moves exactly when a new
 * version exists, and node reports do not wake the fleet. A loop halted by the stop key or by its
 * node lock blocks on that key instead, so its removal ({@code resume}, {@code unlock}) is applied
 * at once rather than at the next new version. A wait that times out still re-applies, so a
 * repaired node converges within one wait.
 *
 * <p>Blocking-query rules (Consul's blocking queries): the index starts over from 0 when it goes
 * backwards and after any failure (an agent restarted with an older store answers an index ahead of
 * its own only when its wait runs out), and is kept at least 1; a loop that returns early without
 * news is slowed down; while Consul is unreachable the loop backs off with jitter and leaves the
 * file alone.
 *
 * <p>Stopping ({@link #stop}): a loop that is waiting ends at once; a loop in the middle of an
 * apply finishes it, its reload included (bounded by {@code --exec-timeout}), logs its result and
 * writes its report first, so no reload is left running without its watcher.
 */
public final class Watcher {
  private static final Duration MIN_ROUND = Duration.ofMillis(250);

  /**
   * How often a watch on a key that is not published yet may wake. Consul 1.8.7 ends a blocking
   * query on a missing key at any KV write anywhere (newer releases wait for the key), so a fleet
   * waiting for a new key would otherwise answer every unrelated write with a round.
   */
  static final Duration MISSING_KEY_PACE = Duration.ofSeconds(1);

  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  private static final String COMPONENT = "out";

  /** Hears about every round that changed something or failed: for metrics. */
  public interface RoundListener {
    /** {@code result} is null when the round ended in {@code failure}. */
    void round(ApplyInput in, ApplyResult result, KvexpressException failure, long millis);

    /** Every round that completed, a current file included: what the file holds now. */
    default void checked(ApplyInput in, ApplyResult result) {}

    /** Consul answered this file's blocking query: the watch is talking to Consul. */
    default void answered(ApplyInput in) {}
  }

  /**
   * What a loop blocks on until the next round: the version's checksum (or a canary's staged
   * checksum), or the stop key or node lock that halted the last round.
   */
  private record Watched(String key, boolean halt) {}

  /**
   * How a round ended, as the loop needs it: the result (null unless it succeeded) and a halt's
   * key.
   */
  private record Round(ApplyResult result, String haltedBy) {}

  private final KvStore store;
  private final Applier applier;
  private final Log log;
  private final Duration wait;
  private final Clock clock;
  private final RoundListener listener;
  private final List<Loop> loops = new ArrayList<>();
  private volatile boolean stopped;
  private volatile boolean interruptedApply;

  /**
   * Per canary input: whether its last successful apply (by either loop) applied the staged
   * version.
   */
  private final Map<ApplyInput, Boolean> appliedStaged = new ConcurrentHashMap<>();

  public Watcher(
      KvStore store, Applier applier, Log log, Duration wait, Clock clock, RoundListener listener) {
    this.store = store;
    this.applier = applier;
    this.log = log;
    this.wait = wait;
    this.clock = clock;
    this.listener = listener;
  }

  /**
   * One loop's thread and whether it is in the middle of an apply, which {@link #stop} lets finish.
   */
  private final class Loop {
    final Thread thread;
    boolean applying;

    Loop(ApplyInput in, String watched, String name) {
      this.thread = new Thread(() -> loop(this, in, watched), name);
    }

    /** Starts an apply unless the watcher is stopping; false when it is. */
    synchronized boolean beginApply() {
      if (stopped) {
        return false;
      }
      applying = true;
      return true;
    }

    synchronized void endApply() {
      applying = false;
    }

    synchronized void stop() {
      if (applying) {
        interruptedApply = true;
      } else {
        thread.interrupt();
      }
    }
  }

  /**
   * Starts one loop per input and waits until {@link #stop()} is called and every loop has ended.
   * True when the stop came while a loop was applying (it finished that apply first).
   */
  public boolean run(List<ApplyInput> inputs) throws InterruptedException {
    synchronized (loops) {
      for (ApplyInput in : inputs) {
        loops.add(new Loop(in, in.layout().checksum(), "kvexpress-watch-" + in.layout().key()));
        if (in.mode().canary()) {
          // A canary also wakes for the staged version: a second blocking query, on its checksum.
          loops.add(
              new Loop(
                  in, in.layout().stagedChecksum(), "kvexpress-watch-staged-" + in.layout().key()));
        }
      }
      loops.forEach(l -> l.thread.start());
    }
    for (Loop l : loops) {
      l.thread.join();
    }
    return interruptedApply;
  }

  /**
   * Ends every loop: waiting ones at once (their blocked queries are aborted), applying ones after
   * their apply.
   */
  public void stop() {
    stopped = true;
    synchronized (loops) {
      loops.forEach(Loop::stop);
    }
    store.abortWatches();
  }

  /**
   * One file's loop, woken by changes of the key it watches (the checksum, or a canary's staged
   * checksum, until a round is halted); never throws, never deletes the file.
   */
  private void loop(Loop self, ApplyInput in, String versionKey) {
    boolean stagedLoop = !versionKey.equals(in.layout().checksum());
    Watched watched = new Watched(versionKey, false);
    Duration nextWait = wait;
    long index = 0;
    int failures = 0;
    boolean waitingForKey = false;
    // The checksum the round that ended a halt applied (or found current), until the version key
    // answers.
    String appliedChecksum = null;
    String key = in.layout().key();
    log.info(COMPONENT, Fields.of("key", key).add("file", in.file()).add("watch", "started"));
    while (!stopped) {
      long started = System.nanoTime();
      long before = index;
      try {
        // Halted, the watch covers the halting key and its /until child (a freeze's end): one
        // blocking query, on that key's prefix, for both.
        KvListing l = store.watch(watched.key(), watched.halt(), index, nextWait);
        failures = 0;
        listener.answered(in);
        if (l.index() < index) {
          log.info(
              COMPONENT,
              Fields.of("key", key)
                  .add(
                      "note",
                      "index went backwards (" + index + " to " + l.index() + "); starting over"));
        }
        index = KvStore.nextIndex(index, l.index());
        KvEntry entry = l.find(watched.key()).orElse(null);
        boolean missing = entry == null;
        boolean timedOut = before != 0 && index == before;
        log.debug(
            COMPONENT,
            Fields.of("key", key)
                .add("watched", watched.key())
                .add("index", index)
                .add("missing", missing));
        String value = missing ? null : new String(entry.value(), StandardCharsets.UTF_8).strip();
        Instant endsAt =
            watched.halt()
                ? KeySnapshot.endOf(entry, l.find(watched.key() + KeyLayout.UNTIL).orElse(null))
                : null;
        Decision d =
            decide(
                watched.halt(),
                new Answer(before, index, value, endsAt),
                new Memory(
                    waitingForKey,
                    stagedLoop && Boolean.TRUE.equals(appliedStaged.get(in)),
                    appliedChecksum),
                wait,
                clock.instant());
        nextWait = d.nextWait();
        log.debug(COMPONENT, Fields.of("key", key).add("wake", d.wake()));
        boolean round = d.wake().round;
        if (round) {
          if (!self.beginApply()) {
            break;
          }
          Round r;
          try {
            r = applyOnce(in);
          } finally {
            self.endApply();
          }
          boolean sawKey = r.result() != null && (!stagedLoop || r.result().staged());
          appliedChecksum = watched.halt() && r.result() != null ? r.result().checksum() : null;
          if (!watched.halt()
              && missing
              && !sawKey
              && !waitingForKey
              && !stagedLoop
              && r.haltedBy() == null) {
            log.info(
                COMPONENT,
                Fields.of("key", key)
                    .add("file", in.file())
                    .add("watch", "waiting for the key " + "to be published"));
          }
          waitingForKey = missing && !sawKey && !watched.halt();
          Watched next =
              r.haltedBy() != null
                  ? new Watched(r.haltedBy(), true)
                  : new Watched(versionKey, false);
          if (!next.equals(watched)) {
            watched = next;
            index = 0;
            nextWait = wait;
            if (next.halt()) {
              log.info(
                  COMPONENT,
                  Fields.of("key", key)
                      .add("file", in.file())
                      .add("watch", "halted; waiting for " + next.key() + " to be removed"));
            }
            continue;
          }
        }
      } catch (RuntimeException e) {
        if (stopped) {
          break;
        }
        failures++;
        // The agent may have restarted with an older store: a blocking query from our index would
        // wait out its whole wait there, missing what is published meanwhile.
        index = 0;
        log.error(
            COMPONENT,
            Fields.of("key", key)
                .add("file", in.file())
                .add("result", "failed")
                .add("error", e instanceof KvexpressException ? e.getMessage() : String.valueOf(e))
                .add("retry_in", "backoff"));
        sleep(backoff(failures));
        continue;
      }
      long took = (System.nanoTime() - started) / 1_000_000;
      long pace =
          waitingForKey ? MISSING_KEY_PACE.toMillis() : index == before ? MIN_ROUND.toMillis() : 0;
      if (took < pace) {
        sleep(pace - took);
      }
    }
    log.info(COMPONENT, Fields.of("key", key).add("file", in.file()).add("watch", "stopped"));
  }

  /**
   * What a blocking query answered: the index before and after it, the watched key's value, and,
   * for a halting key, when its freeze ends (null: never).
   */
  record Answer(long before, long index, String value, Instant endsAt) {
    boolean missing() {
      return value == null;
    }

    /** The wait ran out: the index did not move (a first query, from 0, always answers at once). */
    boolean timedOut() {
      return before != 0 && index == before;
    }
  }

  /**
   * What the loop remembers from its last round: whether it is waiting for the key to be published,
   * whether a canary's other loop applied the staged version, and the checksum the round that ended
   * a halt applied (or found current).
   */
  record Memory(boolean waitingForKey, boolean stagedOnDisk, String appliedChecksum) {}

  /** Why the loop runs a round after an answer, or why it does not. */
  enum Wake {
    /** The version key moved, or this is the first look at it: a new version may be there. */
    NEWS(true),
    /** The wait ran out: a round re-checks (and repairs) what is on disk. */
    WAIT_RAN_OUT(true),
    /** A canary's other loop applied the staged version, whose disappearance is news here. */
    STAGED_ON_DISK(true),
    /** The key is still not published: nothing to apply, and it has been said once. */
    STILL_UNPUBLISHED(false),
    /** Back from a halt, the round that ended it applied this very checksum. */
    JUST_APPLIED(false),
    /** The stop key or the lock that halted the loop is gone. */
    HALT_LIFTED(true),
    /** The freeze ({@code --for}) that halted the loop has ended. */
    FREEZE_ENDED(true),
    /** Still halted: nothing may change. */
    STILL_HALTED(false);

    final boolean round;

    Wake(boolean round) {
      this.round = round;
    }
  }

  /** The decision: why, and how long the next blocking query may wait. */
  record Decision(Wake wake, Duration nextWait) {}

  /**
   * What the loop does after an answer, as one named value (consul-template's view loop decides the
   * same way). Halted, it waits for the halting key to go, for the wait to run out, or for a freeze
   * set with {@code --for} to end (the next wait is cut to end just after it). Watching the
   * version, a key not published yet has nothing to apply and nothing to say but once: it gets a
   * full round (which still fails closed on a key the token may not read) when first seen and at
   * each wait. Pure.
   */
  static Decision decide(boolean halted, Answer a, Memory m, Duration wait, Instant now) {
    if (halted) {
      if (a.missing()) {
        return new Decision(Wake.HALT_LIFTED, wait);
      }
      Instant end = a.endsAt();
      if (end != null && !now.isBefore(end)) {
        return new Decision(Wake.FREEZE_ENDED, wait);
      }
      Duration next = end == null ? wait : min(wait, Duration.between(now, end).plusMillis(100));
      return new Decision(a.timedOut() ? Wake.WAIT_RAN_OUT : Wake.STILL_HALTED, next);
    }
    if (a.before() == 0 && !a.missing() && a.value().equals(m.appliedChecksum())) {
      return new Decision(Wake.JUST_APPLIED, wait);
    }
    if (!a.missing() || !m.waitingForKey()) {
      return new Decision(Wake.NEWS, wait);
    }
    if (a.timedOut()) {
      return new Decision(Wake.WAIT_RAN_OUT, wait);
    }
    return new Decision(m.stagedOnDisk() ? Wake.STAGED_ON_DISK : Wake.STILL_UNPUBLISHED, wait);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** One apply, as the loop needs its outcome; refusals, halts and failures are logged here. */
  private Round applyOnce(ApplyInput in) {
    // A canary's two loops apply the same file: one at a time.
    synchronized (in) {
      return applyOnceLocked(in);
    }
  }

  private Round applyOnceLocked(ApplyInput in) {
    Fields f = Fields.of("key", in.layout().key()).add("file", in.file());
    long started = System.nanoTime();
    try {
      ApplyResult r = applier.apply(in);
      listener.checked(in, r);
      if (r.outcome() == Result.APPLIED || !r.repaired().isEmpty()) {
        listener.round(in, r, null, (System.nanoTime() - started) / 1_000_000);
        log.info(COMPONENT, r.describe(f));
      }
      appliedStaged.put(in, r.staged());
      return new Round(r, null);
    } catch (KvexpressException e) {
      listener.round(in, null, e, (System.nanoTime() - started) / 1_000_000);
      if (e.kind() == KvexpressException.Kind.FAILURE && e.reason() == Reason.UNREACHABLE) {
        throw e;
      }
      log.log(
          e.kind() == KvexpressException.Kind.FAILURE ? Log.Level.ERROR : Log.Level.WARN,
          COMPONENT,
          f.add("result", e.kind().word()).add("reason", e.reason()).add("error", e.getMessage()));
      String haltedBy =
          e.kind() != KvexpressException.Kind.HALTED
              ? null
              : e.reason() == Reason.STOP_KEY ? in.layout().stop() : applier.lockKey(in);
      return new Round(null, haltedBy);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Round(null, null);
    }
  }

  private static long backoff(int failures) {
    long cap = Math.min(MAX_BACKOFF.toMillis(), 1000L << Math.min(failures - 1, 5));
    return cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2 + 1);
  }

  private void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      if (!stopped) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
