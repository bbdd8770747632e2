package org.kvexpress.apply;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.kvexpress.brakes.HealthGate;
import org.kvexpress.brakes.ReloadSlots;
import org.kvexpress.core.Canonicalizer;
import org.kvexpress.core.Checksum;
import org.kvexpress.core.Freeze;
import org.kvexpress.core.HealthVerdict;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Meta;
import org.kvexpress.core.NodeReport;
import org.kvexpress.core.Problems;
import org.kvexpress.core.Reason;
import org.kvexpress.core.Result;
import org.kvexpress.core.WatchPayload;
import org.kvexpress.exec.CommandRunner;
import org.kvexpress.fs.AtomicFiles;
import org.kvexpress.kv.AgentApi;
import org.kvexpress.kv.KvEntry;
import org.kvexpress.kv.KvStore;
import org.kvexpress.log.Fields;
import org.kvexpress.log.Log;
import org.kvexpress.log.Steps;
import org.kvexpress.sign.SignedStatement;
import org.kvexpress.sign.TrustedKeys;
import org.kvexpress.version.KeySnapshot;
import org.kvexpress.version.VersionReader;

/**
 * The {@code out} pipeline, confd's process() in named steps: lock, fetch, stop, verify, current?,
 * stage, check, swap, reload. Refusals and halts are thrown as KvexpressException; the file is only
 * ever replaced by a complete, verified, checked version.
 */
public final class Applier {
  private static final String COMPONENT = "out";

  /**
   * Reads of the key before a change under the read fails the run: a missing chunk (collected
   * because a newer manifest replaced this one) or a key that appeared between the read and its
   * confirmation (a publish at that moment) each cost a fresh read, not a failure.
   */
  private static final int READS = 3;

  private final KvStore store;
  private final CommandRunner runner;
  private final Log log;
  private final String hostname;
  private final Clock clock;
  private final Set<String> expiredSeen = ConcurrentHashMap.newKeySet();

  /** Sessions and health checks for the rollout brakes; null when the store offers none. */
  private final AgentApi agent;

  public Applier(KvStore store, CommandRunner runner, Log log, String hostname, Clock clock) {
    this.store = store;
    this.agent = store instanceof AgentApi a ? a : null;
    this.runner = runner;
    this.log = log;
    this.hostname = hostname;
    this.clock = clock;
  }

  /**
   * The watch handler's shortcut: when {@code payload} is the key's checksum pair and the file on
   * disk has that checksum, the file is current (mode and owner repaired if asked) and no request
   * is needed. Null when that does not hold; the caller then applies normally.
   */
  public static ApplyResult currentByWatchPayload(ApplyInput in, Optional<WatchPayload> payload) {
    if (payload.isEmpty() || !payload.get().key().equals(in.layout().checksum())) {
      return null;
    }
    Path target = AtomicFiles.resolveTarget(in.file());
    String checksum = payload.get().text();
    if (checksum.isEmpty() || !isCurrent(target, checksum)) {
      return null;
    }
    List<String> repaired = AtomicFiles.repair(target, in.fileSettings());
    return new ApplyResult(Result.CURRENT, checksum, -1, -1, repaired, null);
  }

  /**
   * One full apply, reading the key's folder afresh, in the steps docs/reference.md gives for
   * {@code out}: fetch, guard (lock and stop as read), trust (the signature, with {@code
   * --trust-key}), verify (checksum and length), then, when the file would change, confirm (lock
   * and stop proven absent), stage, check, swap, reload; and with {@code --report} the node then
   * says what it did. A chunk that a newer publish collected while this read the older manifest
   * costs a fresh read, not a refusal.
   */
  public ApplyResult apply(ApplyInput in) throws InterruptedException {
    Path target = AtomicFiles.resolveTarget(in.file());
    Fetched f = null;
    ReloadSlots.Held slot = null;
    try {
      Steps steps = new Steps(log, COMPONENT);
      for (int attempt = 1; ; attempt++) {
        f = fetch(in);
        // Details only from what the fetch holds: asking the snapshot for a key it could not read
        // would confirm it with a request, before the guards.
        steps.done("fetch", Fields.of("key", in.layout().key()).add("staged", f.staged()));
        try {
          AtomicFiles.removeStaleTemps(target, false);
          guard(in, f);
          steps.done("stop key and lock", Fields.of("halted", false));
          SignedStatement signed = trust(in, target, f.snap());
          steps.done("signature", Fields.of("signed", signed != null));
          byte[] content = verify(in, f.snap());
          steps.done("verify", Fields.of("bytes", content.length).add("checksum", "matches"));
          // verify proved that the published checksum is the content's: no need to hash it again.
          String checksum = f.snap().checksumText();
          Change change = change(in, target, checksum);
          steps.done(
              "compare with " + target,
              Fields.of("change", change.name().toLowerCase(Locale.ROOT)));
          boolean needsSlot =
              change == Change.WRITE && slot == null && in.brakes().slots() && !in.mode().dryRun();
          if (change != Change.NONE && !needsSlot) {
            confirm(in, f);
            steps.done("confirm still current");
          }
          if (needsSlot) {
            KeySnapshot waitingOn = f.snap();
            slot =
                new ReloadSlots(store, requireAgent(), log, hostname)
                    .acquire(
                        in.layout(),
                        in.brakes().reloadSlots(),
                        () ->
                            report(
                                in,
                                target,
                                waitingOn,
                                Result.WAITING_SLOT,
                                null,
                                null,
                                null,
                                null,
                                null));
            steps.done("reload slot", Fields.of("waited_ms", slot.waitedMillis()));
            // Read again holding the slot: a version halted or replaced while this node waited is
            // never written.
            attempt = 0;
            continue;
          }
          ApplyResult r = carryOut(in, target, content, checksum, change);
          if (slot != null) {
            r = r.with(r.timings().withSlotWait(slot.waitedMillis()));
          }
          steps.done("write and reload", Fields.of("result", r.outcome()));
          if (signed != null && in.guards().noOlder() && !in.mode().dryRun()) {
            AppliedSignature.record(target, signed);
          }
          ApplyResult done = reported(in, target, f, r);
          steps.done("report");
          return done;
        } catch (KvexpressException e) {
          boolean changedUnderTheRead =
              e.reason() == Reason.CHUNK_MISSING || e.reason() == Reason.CHANGED;
          if (!changedUnderTheRead || attempt == READS) {
            throw e;
          }
        }
      }
    } catch (KvexpressException e) {
      if (e.kind() != KvexpressException.Kind.USAGE && e.reason() != Reason.UNREACHABLE) {
        report(
            in,
            target,
            f == null ? null : f.snap(),
            Result.of(e.kind()),
            e.reason(),
            null,
            null,
            null,
            new ApplyResult.Timings(
                slot == null ? null : slot.waitedMillis(), null, null, detail(e.getMessage())));
      }
      if (slot != null && e.kind() == KvexpressException.Kind.FAILURE) {
        // A node that failed the version keeps its slot for --settle after saying so, so that
        // 'kvexpress rollout' halts the version before the next node takes the slot.
        holdFailedSlot(in);
      }
      throw e;
    } finally {
      if (slot != null) {
        slot.close();
      }
    }
  }

  private static void holdFailedSlot(ApplyInput in) {
    try {
      Thread.sleep(in.brakes().settle().toMillis());
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
    }
  }

  /** A failure's message, short enough for a node report. */
  private static String detail(String message) {
    return message == null || message.length() <= 300 ? message : message.substring(0, 300) + "…";
  }

  private AgentApi requireAgent() {
    if (agent == null) {
      throw KvexpressException.usage(
          "--reload-slots and --health-service need a Consul agent (sessions, health checks)");
    }
    return agent;
  }

  /**
   * What one fetch brought: the key as read (for a canary with a staged version, the staged version
   * in the place of the current one) and this node's lock key.
   */
  private record Fetched(KeySnapshot snap, String lockKey, boolean staged) {}

  /**
   * Fetch: the key's values, this node's own report and its lock, in one request. Listing the key's
   * folder would also bring every other node's report: a fleet of N nodes would move N^2 reports
   * per publish. A canary applies the staged version while there is one; every other node the
   * current version (as read: a staged version a canary cannot see leaves it on the current one).
   */
  private Fetched fetch(ApplyInput in) {
    KeyLayout layout = in.layout();
    String lockKey = lockKey(in);
    List<String> keys =
        new ArrayList<>(
            List.of(
                layout.data(),
                layout.checksum(),
                layout.meta(),
                layout.stop(),
                layout.stopUntil(),
                layout.signature(),
                layout.nodeReport(hostname),
                lockKey,
                lockKey + KeyLayout.UNTIL));
    if (in.mode().canary()) {
      keys.addAll(layout.stagedKeys());
    }
    KeySnapshot snap = KeySnapshot.of(store, layout, store.getAll(keys));
    boolean staged = in.mode().canary() && snap.entryUnconfirmed(layout.stagedData()) != null;
    return new Fetched(staged ? snap.asStaged() : snap, lockKey, staged);
  }

  /**
   * Guard: halts on this node's lock and on the stop key as the read showed them. A transaction's
   * reads leave out, silently, keys the token may not read; they are proven absent in {@link
   * #confirm}, before anything would change, so a current file is left alone without asking.
   */
  private void guard(ApplyInput in, Fetched f) {
    haltIfLocked(
        in.file(),
        f.snap().entryUnconfirmed(f.lockKey()),
        f.snap().entryUnconfirmed(f.lockKey() + KeyLayout.UNTIL));
    if (!in.guards().ignoreStop()) {
      haltIfStopped(
          f.snap(),
          f.snap().stopUnconfirmed(),
          f.snap().entryUnconfirmed(f.snap().layout().stopUntil()));
    }
  }

  /**
   * Confirm: proves, before anything on disk changes, that neither this node's lock nor the stop
   * key is set (one request for both).
   */
  private void confirm(ApplyInput in, Fetched f) {
    KeySnapshot snap = f.snap();
    boolean stopMatters = !in.guards().ignoreStop();
    snap.confirmAbsent(
        stopMatters ? List.of(f.lockKey(), snap.layout().stop()) : List.of(f.lockKey()));
    KvEntry lock = snap.entry(f.lockKey());
    haltIfLocked(in.file(), lock, lock == null ? null : snap.entry(f.lockKey() + KeyLayout.UNTIL));
    if (stopMatters) {
      KvEntry stop = snap.stop();
      haltIfStopped(snap, stop, stop == null ? null : snap.entry(snap.layout().stopUntil()));
    }
  }

  /** Report: this node's report of what it did, and the result with its publish-to-apply delay. */
  private ApplyResult reported(ApplyInput in, Path target, Fetched f, ApplyResult r) {
    String publishedAt = publishedAt(f.snap());
    String appliedAt =
        r.outcome() == Result.APPLIED
            ? Instant.now(clock).truncatedTo(ChronoUnit.MILLIS).toString()
            : null;
    report(
        in,
        target,
        f.snap(),
        r.outcome(),
        null,
        r.reloadExit(),
        publishedAt,
        appliedAt,
        r.timings());
    return r.with(NodeReport.latencySeconds(publishedAt, appliedAt), f.staged(), publishedAt);
  }

  /**
   * Writes this node's report unless it would say what the stored one says already, so a watcher
   * re-checking an unchanged file writes nothing. A report that cannot be written is logged, never
   * fatal.
   */
  void report(
      ApplyInput in,
      Path target,
      KeySnapshot snap,
      Result result,
      Reason reason,
      Integer reloadExit,
      String publishedAt,
      String appliedAt,
      ApplyResult.Timings timings) {
    if (!in.mode().report() || in.mode().dryRun() || result == Result.WOULD_APPLY) {
      return;
    }
    try {
      String key = in.layout().nodeReport(hostname);
      KvEntry stored =
          snap != null
              ? snap.nodes().stream().filter(e -> e.key().equals(key)).findFirst().orElse(null)
              : store.get(key).orElse(null);
      NodeReport before = stored == null ? null : NodeReport.parse(stored.value());
      String onDisk = fileChecksum(target);
      // The publish and apply times of the file on disk: new when this run wrote it, else as
      // reported before for the same file (a file this node did not write has none).
      boolean same = before != null && onDisk != null && onDisk.equals(before.checksum());
      String published = appliedAt != null ? publishedAt : same ? before.publishedAt() : null;
      String applied = appliedAt != null ? appliedAt : same ? before.appliedAt() : null;
      NodeReport now =
          new NodeReport(
              onDisk,
              snap == null ? null : snap.checksumTextAsRead(),
              result.word(),
              reason == null ? null : reason.tag(),
              reloadExit,
              Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString(),
              published,
              applied,
              in.mode().canary() ? Boolean.TRUE : null,
              timings == null ? null : timings.note(),
              timings == null ? null : timings.slotWaitMs(),
              timings == null ? null : timings.healthyMs());
      if (now.sameAs(before) || stillApplied(before, now)) {
        return;
      }
      store.put(key, now.toJson(), 0);
    } catch (RuntimeException e) {
      log.warn(
          COMPONENT,
          Fields.of("key", in.layout().key())
              .add("warning", "could not write the node report")
              .add("error", Problems.describe(e)));
    }
  }

  /**
   * A file found current that this node reported applying, unchanged since: "applied" says more
   * than "current", so the next watch firing writes nothing (one Raft write less per node and
   * version).
   */
  private static boolean stillApplied(NodeReport before, NodeReport now) {
    return before != null
        && Result.APPLIED.word().equals(before.result())
        && Result.CURRENT.word().equals(now.result())
        && now.reason() == null
        && Objects.equals(before.checksum(), now.checksum())
        && Objects.equals(before.published(), now.published())
        && Objects.equals(before.canary(), now.canary());
  }

  private static String fileChecksum(Path target) {
    try {
      return Files.isRegularFile(target) ? Checksum.sha256Hex(Files.readAllBytes(target)) : null;
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * With {@code --trust-key}: the published checksum's signature statement by a trusted key,
   * checked before any data is read; with {@code --no-older}, not signed earlier than what this
   * file last received. A signature the read did not show is looked up alone, so a token that may
   * not read it fails (exit 1) instead of reading as "unsigned". Null without {@code --trust-key}.
   */
  private SignedStatement trust(ApplyInput in, Path target, KeySnapshot snap) {
    TrustedKeys trust = in.guards().trust();
    if (trust == null || snap.data() == null || snap.checksumText() == null) {
      return null; // verify refuses what is not published
    }
    SignedStatement s =
        trust.verify(
            snap.signature() == null ? null : snap.signature().value(),
            snap.layout(),
            snap.checksumText());
    if (in.guards().noOlder()) {
      AppliedSignature.refuseOlder(target, s);
    }
    return s;
  }

  /**
   * The writing half of the pipeline, for any content: current?, stage, check, swap, reload. {@code
   * raw} uses it for values that have no published checksum (and no stop key or lock).
   */
  public ApplyResult write(ApplyInput in, Path target, byte[] content) throws InterruptedException {
    String checksum = Checksum.sha256Hex(content);
    return carryOut(in, target, content, checksum, change(in, target, checksum));
  }

  /** What applying would change on disk. */
  private enum Change {
    /** Nothing: the file is current, with its mode and owner. */
    NONE,
    /** The file is current, its mode or owner not. */
    REPAIR,
    /** A new file. */
    WRITE
  }

  /** Current?: whether the file already has {@code checksum}, and its mode and owner. */
  private static Change change(ApplyInput in, Path target, String checksum) {
    if (!isCurrent(target, checksum)) {
      return Change.WRITE;
    }
    return AtomicFiles.repairsNeeded(target, in.fileSettings()).isEmpty()
        ? Change.NONE
        : Change.REPAIR;
  }

  /** The change, made (or, in a dry run, only said): repair, or stage, check, swap and reload. */
  private ApplyResult carryOut(
      ApplyInput in, Path target, byte[] content, String checksum, Change change)
      throws InterruptedException {
    int lines = Canonicalizer.countLines(content);
    if (change != Change.WRITE) {
      List<String> repaired =
          change == Change.NONE || in.mode().dryRun()
              ? List.of()
              : AtomicFiles.repair(target, in.fileSettings());
      return new ApplyResult(Result.CURRENT, checksum, lines, content.length, repaired, null);
    }
    if (in.mode().dryRun()) {
      return new ApplyResult(Result.WOULD_APPLY, checksum, lines, content.length, List.of(), null);
    }
    HealthGate gate = healthGate(in);
    HealthVerdict before = gate == null ? null : gate.now();
    if (before != null && before.state() == HealthVerdict.State.NONE) {
      throw KvexpressException.because(
          Reason.NO_HEALTH_CHECK,
          "Consul holds no check of "
              + watched(in)
              + " on node "
              + hostname
              + " (or the token may not read it: node:read and service:read, docs/acl.md);"
              + " register it, or give --hostname the Consul node's name; "
              + target
              + " is left untouched");
    }
    try (AtomicFiles.Staged staged = AtomicFiles.stage(target, content, in.fileSettings())) {
      check(in, staged, checksum);
      Path previous =
          AtomicFiles.swap(
              staged, gate != null || in.hooks().restoreOnFailure() && in.hooks().exec() != null);
      try {
        if (in.hooks().exec() != null) {
          splay(in.hooks().splay());
        }
        long reloadStart = System.nanoTime();
        Integer reloadExit = reload(in, target, checksum, previous);
        Long reloadMs = reloadExit == null ? null : (System.nanoTime() - reloadStart) / 1_000_000;
        ApplyResult.Timings timings =
            settle(in, gate, before, target, previous).withReload(reloadMs);
        return new ApplyResult(
            Result.APPLIED,
            checksum,
            lines,
            content.length,
            List.of(),
            reloadExit,
            null,
            false,
            timings,
            null);
      } finally {
        AtomicFiles.deleteQuietly(previous);
      }
    }
  }

  private HealthGate healthGate(ApplyInput in) {
    return in.brakes().healthGated()
        ? new HealthGate(
            requireAgent(), hostname, in.brakes().healthServices(), in.brakes().healthChecks())
        : null;
  }

  private static String watched(ApplyInput in) {
    List<String> what = new ArrayList<>();
    in.brakes().healthServices().forEach(s -> what.add("service '" + s + "'"));
    in.brakes().healthChecks().forEach(c -> what.add("check id '" + c + "'"));
    return String.join(" or ", what);
  }

  /**
   * After the reload: with a health gate, waits until the node's checks have passed for {@code
   * --settle}; if one goes critical or {@code --healthy-within} runs out, puts the previous file
   * back, reloads it and fails (UNHEALTHY). A node whose checks did not pass before the apply is
   * not gated (the new version cannot be blamed) and says so. Without a gate, a node holding a
   * reload slot keeps it for {@code --settle}.
   */
  private ApplyResult.Timings settle(
      ApplyInput in, HealthGate gate, HealthVerdict before, Path target, Path previous)
      throws InterruptedException {
    ApplyInput.Brakes b = in.brakes();
    if (gate == null) {
      if (!b.settle().isZero()) {
        Thread.sleep(b.settle().toMillis());
      }
      return ApplyResult.Timings.NONE;
    }
    if (before.state() != HealthVerdict.State.PASSING) {
      String note = "unhealthy before the apply (" + before.describeFailing() + "); not gated";
      log.warn(COMPONENT, Fields.of("key", in.layout().key()).add("warning", note));
      return new ApplyResult.Timings(null, null, null, note);
    }
    long start = System.nanoTime();
    HealthVerdict after = gate.await(b.settle(), b.healthyWithin());
    long took = (System.nanoTime() - start) / 1_000_000;
    log.info(
        COMPONENT,
        Fields.of("key", in.layout().key())
            .add("step", "health")
            .add("checks", after.state().name().toLowerCase(Locale.ROOT))
            .add("ms", took)
            .add("failing", after.failing() == null ? null : after.describeFailing()));
    if (after.state() == HealthVerdict.State.PASSING) {
      return new ApplyResult.Timings(null, null, took, null);
    }
    String why =
        after.state() == HealthVerdict.State.NONE
            ? "its checks were deregistered"
            : after.state() == HealthVerdict.State.CRITICAL
                ? after.describeFailing() + " is critical"
                : "its checks did not pass for --settle "
                    + b.settle().toSeconds()
                    + " s within --healthy-within "
                    + b.healthyWithin().toSeconds()
                    + " s"
                    + (after.failing() == null ? "" : " (" + after.describeFailing() + ")");
    CommandRunner.Result again = restoreAndReload(in, target, previous);
    String reloaded =
        again == null
            ? ""
            : again.succeeded() ? " and reloaded it" : " and reloaded it, which failed";
    throw KvexpressException.because(
        Reason.UNHEALTHY,
        "unhealthy after the new version: " + why + "; restored the previous " + target + reloaded);
  }

  /**
   * This node's lock of the input's file: {@code <prefix>/locks/<sha256(absolute
   * path)>/<hostname>}.
   */
  public String lockKey(ApplyInput in) {
    return KeyLayout.lock(in.layout().prefix(), in.file(), hostname);
  }

  // ---- steps ----

  /** Halts on {@code lock} (this node's lock of the file, or null) unless its --for has run out. */
  void haltIfLocked(Path file, KvEntry lock, KvEntry until) {
    if (lock == null || expired(lock, until)) {
      return;
    }
    throw KvexpressException.because(
        Reason.LOCKED,
        file.toAbsolutePath().normalize()
            + " is locked on "
            + hostname
            + ": "
            + KeySnapshot.reason(lock)
            + "; run 'kvexpress unlock -f "
            + file
            + "' to release it");
  }

  /**
   * The publish time meta gives for the snapshot's version, or null when meta does not describe it.
   */
  private static String publishedAt(KeySnapshot snap) {
    Meta m = snap.currentMeta();
    return m == null ? null : m.time();
  }

  /**
   * Whether a stop's or lock's {@code --for} has run out (its freeze, written with it, has ended);
   * says so once per halt and process (a watcher asks every round).
   */
  private boolean expired(KvEntry halt, KvEntry until) {
    if (!Freeze.over(KeySnapshot.endOf(halt, until), clock.instant())) {
      return false;
    }
    if (expiredSeen.add(halt.key() + "@" + halt.modifyIndex())) {
      log.warn(
          COMPONENT,
          Fields.of("key", halt.key())
              .add("warning", "expired; proceeding")
              .add("value", KeySnapshot.reason(halt)));
    }
    return true;
  }

  /**
   * Halts on {@code stop}, the snapshot's stop key as read or confirmed, unless its --for has run
   * out.
   */
  void haltIfStopped(KeySnapshot snap, KvEntry stop, KvEntry until) {
    if (stop != null && !expired(stop, until)) {
      throw KvexpressException.because(
          Reason.STOP_KEY,
          "stop key "
              + snap.layout().stop()
              + " is set: "
              + KeySnapshot.reason(stop)
              + "; the file is left as it is until 'kvexpress resume -k "
              + snap.layout().key()
              + "'");
    }
  }

  /**
   * Decodes the data and proves it is what was published: checksum, then length. Data or checksum
   * that the snapshot lacks is looked up once more by itself, so a token that may not read it fails
   * (exit 1) instead of reading as "nothing published".
   */
  byte[] verify(ApplyInput in, KeySnapshot snap) {
    KeyLayout layout = snap.layout();
    if (snap.data() == null) {
      throw snap.nothingPublished();
    }
    String expected = snap.checksumText();
    if (expected == null || expected.isEmpty()) {
      throw KvexpressException.because(
          Reason.NO_CHECKSUM, layout.checksum() + " is missing; republish with kvexpress in");
    }
    byte[] content =
        VersionReader.of(store)
            .verified(
                layout,
                snap.data(),
                expected,
                in.guards().maxBytes(),
                "data under " + layout.data(),
                layout.checksum(),
                "the file is left untouched");
    int lines = Canonicalizer.countLines(content);
    if (lines < in.guards().minLines()) {
      throw KvexpressException.because(
          Reason.TOO_FEW_LINES,
          "published data has "
              + lines
              + " lines, fewer than "
              + "--min-lines "
              + in.guards().minLines()
              + "; the file is left untouched");
    }
    return content;
  }

  static boolean isCurrent(Path target, String checksum) {
    try {
      if (!Files.isRegularFile(target)) {
        return false;
      }
      return Checksum.sha256Hex(Files.readAllBytes(target)).equals(checksum);
    } catch (NoSuchFileException e) {
      return false;
    } catch (IOException e) {
      throw KvexpressException.because(
          Reason.IO, "cannot read " + target + " to compare it: " + Problems.describe(e, target));
    }
  }

  void check(ApplyInput in, AtomicFiles.Staged staged, String checksum)
      throws InterruptedException {
    if (in.hooks().check() == null) {
      return;
    }
    String command = in.hooks().check().replace("{}", shellQuote(staged.path().toString()));
    CommandRunner.Result r =
        runner.run(command, env(in, staged.target(), checksum), in.hooks().timeout());
    log.debug(
        COMPONENT,
        Fields.of("key", in.layout().key())
            .add("step", "check")
            .add("exit", r.exitCode())
            .add("output", r.output().isEmpty() ? null : r.output()));
    if (!r.succeeded()) {
      throw KvexpressException.because(
          Reason.CHECK_FAILED,
          "--check "
              + (r.timedOut() ? "timed out" : "exited " + r.exitCode())
              + (r.output().isEmpty() ? "" : ": " + r.lastLine())
              + "; "
              + staged.target()
              + " is left untouched");
    }
  }

  Integer reload(ApplyInput in, Path target, String checksum, Path previous)
      throws InterruptedException {
    if (in.hooks().exec() == null) {
      return null;
    }
    CommandRunner.Result r =
        runner.run(in.hooks().exec(), env(in, target, checksum), in.hooks().timeout());
    logReload(in, r, "reload");
    if (r.succeeded()) {
      return 0;
    }
    String what =
        r.timedOut()
            ? "did not finish within --exec-timeout "
                + in.hooks().timeout().toSeconds()
                + " s and was killed"
            : "exited " + r.exitCode() + (r.output().isEmpty() ? "" : ": " + r.lastLine());
    if (in.hooks().restoreOnFailure()) {
      CommandRunner.Result again = restoreAndReload(in, target, previous);
      throw KvexpressException.because(
          Reason.RELOAD_FAILED,
          "reload "
              + what
              + "; restored the previous "
              + target
              + " and reloaded "
              + (again.succeeded() ? "it successfully" : "it, which failed too"));
    }
    throw KvexpressException.because(
        Reason.RELOAD_FAILED, "wrote " + target + ", but reload " + what);
  }

  /** Puts {@code previous} back at {@code target} and runs -e again; null without -e. */
  private CommandRunner.Result restoreAndReload(ApplyInput in, Path target, Path previous)
      throws InterruptedException {
    AtomicFiles.restore(previous, target);
    if (in.hooks().exec() == null) {
      return null;
    }
    CommandRunner.Result again =
        runner.run(in.hooks().exec(), env(in, target, null), in.hooks().timeout());
    logReload(in, again, "reload_after_restore");
    return again;
  }

  private void logReload(ApplyInput in, CommandRunner.Result r, String step) {
    log.info(
        COMPONENT,
        Fields.of("key", in.layout().key())
            .add("step", step)
            .add("exit", r.timedOut() ? "timeout" : r.exitCode())
            .add("ms", r.took().toMillis())
            .add("output", r.output().isEmpty() ? null : r.output()));
  }

  private static void splay(Duration splay) throws InterruptedException {
    if (!splay.isZero()) {
      Thread.sleep(ThreadLocalRandom.current().nextLong(splay.toMillis()));
    }
  }

  private Map<String, String> env(ApplyInput in, Path target, String checksum) {
    return checksum == null
        ? Map.of("KVEXPRESS_KEY", in.layout().key(), "KVEXPRESS_FILE", target.toString())
        : Map.of(
            "KVEXPRESS_KEY",
            in.layout().key(),
            "KVEXPRESS_FILE",
            target.toString(),
            "KVEXPRESS_CHECKSUM",
            checksum);
  }

  static String shellQuote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }
}
