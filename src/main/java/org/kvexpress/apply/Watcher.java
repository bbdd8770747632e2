package org.kvexpress.apply;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Reason;
import org.kvexpress.kv.KvListing;
import org.kvexpress.kv.KvStore;
import org.kvexpress.log.Fields;
import org.kvexpress.log.Log;

/**
 * {@code out --watch}: one loop per file, each blocking on its key's checksum and running the full apply
 * whenever it wakes. Data, checksum, last and meta change in one transaction, so the checksum moves
 * exactly when a new version exists, and node reports or stop toggles under the key do not wake the
 * fleet. A wait that times out still re-applies, so an unlocked or repaired node converges within one wait.
 *
 * <p>Blocking-query rules (Consul's blocking queries): the index is reset when it goes backwards and kept at least 1; a
 * loop that returns early without news is slowed down; while Consul is unreachable the loop backs off
 * with jitter and leaves the file alone.
 */
public final class Watcher {
  private static final Duration MIN_ROUND = Duration.ofMillis(250);
  /**
   * How often a watch on a key that is not published yet may wake. Consul 1.8.7 ends a blocking query on a
   * missing key at any KV write anywhere (newer releases wait for the key), so a fleet waiting for a new
   * key would otherwise answer every unrelated write with a round.
   */
  static final Duration MISSING_KEY_PACE = Duration.ofSeconds(1);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  private static final String COMPONENT = "out";

  /** Hears about every round that changed something or failed: for metrics. */
  public interface RoundListener {
    /** {@code result} is null when the round ended in {@code failure}. */
    void round(ApplyInput in, ApplyResult result, KvexpressException failure, long millis);
  }

  private final KvStore store;
  private final Applier applier;
  private final Log log;
  private final Duration wait;
  private final RoundListener listener;
  private final AtomicBoolean stopped = new AtomicBoolean();
  private final List<Thread> threads = new ArrayList<>();
  /** Per canary input: whether its last successful apply (by either loop) applied the staged version. */
  private final java.util.Map<ApplyInput, Boolean> appliedStaged = new java.util.concurrent.ConcurrentHashMap<>();

  public Watcher(KvStore store, Applier applier, Log log, Duration wait) {
    this(store, applier, log, wait, (in, result, failure, millis) -> { });
  }

  public Watcher(KvStore store, Applier applier, Log log, Duration wait, RoundListener listener) {
    this.store = store;
    this.applier = applier;
    this.log = log;
    this.wait = wait;
    this.listener = listener;
  }

  /** Starts one loop per input and waits until {@link #stop()} is called and every loop has ended. */
  public void run(List<ApplyInput> inputs) throws InterruptedException {
    synchronized (threads) {
      for (ApplyInput in : inputs) {
        threads.add(new Thread(() -> loop(in, in.layout().checksum()), "kvexpress-watch-" + in.layout().key()));
        if (in.mode().canary()) {
          // A canary also wakes for the staged version: a second blocking query, on its checksum.
          threads.add(new Thread(() -> loop(in, in.layout().stagedChecksum()),
              "kvexpress-watch-staged-" + in.layout().key()));
        }
      }
      threads.forEach(Thread::start);
    }
    for (Thread t : threads) {
      t.join();
    }
  }

  /** Ends every loop: wakes sleeping ones; the caller closes the store to abort blocked requests. */
  public void stop() {
    stopped.set(true);
    synchronized (threads) {
      threads.forEach(Thread::interrupt);
    }
  }

  /**
   * One file's loop, woken by changes of {@code watched} (the checksum, or a canary's staged checksum);
   * never throws, never deletes the file.
   */
  void loop(ApplyInput in, String watched) {
    boolean stagedLoop = !watched.equals(in.layout().checksum());
    long index = 0;
    int failures = 0;
    boolean waitingForKey = false;
    String key = in.layout().key();
    log.info(COMPONENT, Fields.of("key", key).add("file", in.file()).add("watch", "started"));
    while (!stopped.get()) {
      long started = System.nanoTime();
      long before = index;
      try {
        KvListing l = store.watch(watched, false, index, wait);
        index = l.index() < index ? 0 : Math.max(1, l.index());
        if (before != 0 && index == 0) {
          log.info(COMPONENT, Fields.of("key", key).add("note", "index went backwards; starting over"));
        }
        failures = 0;
        // A key not published (yet) has nothing to apply and nothing to say but once: it gets a full round
        // (which still fails closed on a key the token may not read) when first seen and at each --wait.
        boolean missing = l.entries().isEmpty();
        log.debug(COMPONENT, Fields.of("key", key).add("watched", watched).add("index", index).add("missing", missing));
        boolean sawKey = false;
        // A canary's other loop may have applied the staged version meanwhile: then its disappearance is news.
        boolean stagedOnDisk = stagedLoop && Boolean.TRUE.equals(appliedStaged.get(in));
        if (!missing || !waitingForKey || index == before || stagedOnDisk) {
          ApplyResult r = applyOnce(in);
          // The apply reads again: the key may have appeared or gone since the watch answered, and what the
          // apply saw decides whether the next round may be skipped.
          sawKey = r != null && (!stagedLoop || r.staged());
        }
        if (missing && !sawKey && !waitingForKey && !stagedLoop) {
          log.info(COMPONENT, Fields.of("key", key).add("file", in.file()).add("watch", "waiting for the key "
              + "to be published"));
        }
        waitingForKey = missing && !sawKey;
      } catch (RuntimeException e) {
        if (stopped.get()) {
          break;
        }
        failures++;
        log.error(COMPONENT, Fields.of("key", key).add("file", in.file()).add("result", "failed")
            .add("error", e instanceof KvexpressException ? e.getMessage() : String.valueOf(e))
            .add("retry_in", "backoff"));
        sleep(backoff(failures));
        continue;
      }
      long took = (System.nanoTime() - started) / 1_000_000;
      long pace = waitingForKey ? MISSING_KEY_PACE.toMillis() : index == before ? MIN_ROUND.toMillis() : 0;
      if (took < pace) {
        sleep(pace - took);
      }
    }
    log.info(COMPONENT, Fields.of("key", key).add("file", in.file()).add("watch", "stopped"));
  }

  /** One apply; its result, or null when it was refused, halted or failed (logged here). */
  private ApplyResult applyOnce(ApplyInput in) {
    // A canary's two loops apply the same file: one at a time.
    synchronized (in) {
      return applyOnceLocked(in);
    }
  }

  private ApplyResult applyOnceLocked(ApplyInput in) {
    Fields f = Fields.of("key", in.layout().key()).add("file", in.file());
    long started = System.nanoTime();
    try {
      ApplyResult r = applier.apply(in);
      if (r.outcome() == ApplyResult.Outcome.WROTE || !r.repaired().isEmpty()) {
        listener.round(in, r, null, (System.nanoTime() - started) / 1_000_000);
        log.info(COMPONENT, r.describe(f));
      }
      appliedStaged.put(in, r.staged());
      return r;
    } catch (KvexpressException e) {
      listener.round(in, null, e, (System.nanoTime() - started) / 1_000_000);
      if (e.kind() == KvexpressException.Kind.FAILURE && e.reason() == Reason.UNREACHABLE) {
        throw e;
      }
      String result = e.kind().word();
      log.log(e.kind() == KvexpressException.Kind.FAILURE ? Log.Level.ERROR : Log.Level.WARN, COMPONENT,
          f.add("result", result).add("reason", e.reason()).add("error", e.getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return null;
  }

  private static long backoff(int failures) {
    long cap = Math.min(MAX_BACKOFF.toMillis(), 1000L << Math.min(failures - 1, 5));
    return cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2 + 1);
  }

  private void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      if (!stopped.get()) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
