package org.kvexpress.version;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.Supplier;
import org.kvexpress.core.Checksum;
import org.kvexpress.core.Encoding;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Lineage;
import org.kvexpress.core.Manifest;
import org.kvexpress.core.Meta;
import org.kvexpress.core.Reason;
import org.kvexpress.core.Version;
import org.kvexpress.kv.ConsulLimits;
import org.kvexpress.kv.KvEntry;
import org.kvexpress.kv.KvStore;
import org.kvexpress.kv.TxnOp;
import org.kvexpress.kv.TxnResult;

/**
 * The one writer of a key's versions. Every command that makes a new version current ({@code in},
 * {@code copy}, {@code rollback}) commits it here, so the promise of README "Publish atomically" is
 * kept in one place: data, checksum and meta are written together with the version they replace as
 * {@code last} (and meta naming last's checksum), in one transaction guarded by check-index on what
 * was read and, unless the writer may work while stopped, check-not-exists on the stop key. On a
 * conflict it reads again and retries; a writer whose answer was lost recognises its own commit by
 * the meta id it wrote. When data and last together exceed one transaction, last goes first in its
 * own guarded transaction, then the version. Signatures move with their versions ({@code signature}
 * to {@code last-signature}).
 */
public final class VersionStore {
  /**
   * What a writer wants current: the version, its meta (id and lastChecksum are filled in here),
   * the entries it was read from (a copy's source), so it commits only if they are unchanged, and
   * its signature statement (null: unsigned, and a stale signature is removed). A chunked version's
   * chunks are staged before ({@link ChunkStore#stage}) and released after the commit.
   */
  public record Draft(
      Version next, Meta meta, List<KvEntry> readFrom, byte[] signature, List<String> remove) {
    public Draft(Version next, Meta meta, List<KvEntry> readFrom) {
      this(next, meta, readFrom, null, List.of());
    }

    public Draft(Version next, Meta meta, List<KvEntry> readFrom, byte[] signature) {
      this(next, meta, readFrom, signature, List.of());
    }
  }

  /**
   * How a writer commits: how many attempts, whether the stop key guards the write, whether an
   * oversized pair of data and last may be split over two transactions, and what to say when it
   * gives up (after the number of attempts, which the store adds when there were several).
   */
  public record Rules(int attempts, boolean guardStop, boolean split, String gaveUp) {
    /** {@code in} and {@code copy}: retried, stopped by the stop key, split when large. */
    public static Rules publish(String gaveUp) {
      return new Rules(PUBLISH_ATTEMPTS, true, true, gaveUp);
    }
  }

  /** Attempts of a publish (or a staging) before it gives up on other writers. */
  private static final int PUBLISH_ATTEMPTS = 6;

  /** How a commit ended. */
  public enum Outcome {
    /** This writer's version is current. */
    COMMITTED,
    /** This writer's version was committed (its answer was lost) and newer versions followed it. */
    SUPERSEDED,
    /** Another writer had made the same content current; this writer committed nothing. */
    SAME_BY_ANOTHER
  }

  /**
   * The outcome; the data key's index and checksum of what is current now (for SUPERSEDED the newer
   * version, else this writer's); the draft that was committed (or matched); and the reason of a
   * stop set after this writer's commit, which the writer learned only on its re-read after a lost
   * answer (null: none).
   */
  public record Committed(
      Outcome outcome, long index, Draft draft, String current, String stoppedSince) {}

  /**
   * One try at a commit: its id (written into meta), the version it was guarded on, and what it
   * wrote.
   */
  private record Attempt(String id, String anchor, Draft draft) {}

  private final KvStore store;
  private final Clock clock;

  /** {@code clock} decides whether a stop set with {@code --for} has expired. */
  public VersionStore(KvStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /** The key's current version, last, meta and stop, as one consistent read. */
  public KeySnapshot read(KeyLayout layout) {
    return KeySnapshot.read(store, layout);
  }

  /**
   * Makes {@code draft.apply(snapshot)} the current version of {@code layout}, the snapshot's
   * version becoming last. {@code draft} is asked again with a fresh snapshot after each conflict,
   * so a writer can re-read its source; it may throw to give up.
   *
   * <p>Exactly once: every attempt writes a fresh id into meta ({@link Lineage}). After a conflict
   * or a lost answer the key is read again through the leader, and the chain of commits it shows
   * decides, before anything else (a stop set meanwhile included): an attempt of ours in it is our
   * commit (current, or superseded by newer ones); none in it, with the chain reaching back to what
   * they were guarded on, is no commit and the next attempt may go; a chain that cannot tell, or an
   * answer lost on the last attempt while it could still land, is {@link Reason#OUTCOME_UNKNOWN}:
   * never a second write over a newer version.
   */
  public Committed commit(
      KeyLayout layout, KeySnapshot seen, Function<KeySnapshot, Draft> draft, Rules rules)
      throws InterruptedException {
    List<Attempt> tried = new ArrayList<>();
    KeySnapshot snap = seen;
    String lastConflict = "";
    boolean mayStillLand = false;
    for (int n = 1; n <= rules.attempts(); n++) {
      if (rules.guardStop() && snap.stopActive(clock.instant())) {
        throw halted(snap);
      }
      Draft d = draft.apply(snap);
      Attempt attempt = new Attempt(Lineage.newId(), snap.anchor(), d);
      tried.add(attempt);
      Meta meta =
          d.meta()
              .withCommit(attempt.id(), snap.lineage().historyForNext())
              .withLastChecksum(snap.checksumText());
      List<TxnOp> guards = new ArrayList<>();
      for (KvEntry source : d.readFrom()) {
        guards.add(TxnOp.checkIndex(source.key(), source.modifyIndex()));
      }
      guards.add(TxnOp.unchangedSince(layout.data(), snap.data()));
      guards.add(TxnOp.unchangedSince(layout.checksum(), snap.checksum()));
      guards.add(TxnOp.unchangedSince(layout.last(), snap.last()));
      if (rules.guardStop()) {
        // Absent, or set with a --for that has run out: either way it must stay as it was read.
        guards.add(TxnOp.unchangedSince(layout.stop(), snap.stop()));
      }
      List<TxnOp> current =
          new ArrayList<>(
              List.of(
                  TxnOp.set(layout.data(), d.next().stored(), d.next().flags()),
                  TxnOp.set(
                      layout.checksum(),
                      d.next().checksum().getBytes(StandardCharsets.US_ASCII),
                      0),
                  TxnOp.set(layout.meta(), meta.toJson(), 0),
                  setOrDelete(layout.signature(), d.signature())));
      d.remove().forEach(k -> current.add(TxnOp.delete(k)));
      KeySnapshot read = snap;
      TxnResult result =
          unlessUnconfirmed(
              () -> write(layout, guards, keepLast(read), current, rules),
              mayStillLand,
              layout.dir(),
              tried);
      if (result != null && result.committed()) {
        return new Committed(
            Outcome.COMMITTED, indexOf(result, layout.data()), d, d.next().checksum(), null);
      }
      if (result != null) {
        lastConflict =
            result.errors().isEmpty()
                ? ""
                : " (last conflict: " + result.errors().get(0).what() + ")";
        if (n < rules.attempts()) {
          backOff(n);
        }
      }
      snap = reread(layout, tried, false);
      Committed mine =
          settled(tried, snap.lineage(), snap.data(), snap.checksumText(), snap, layout.dir());
      if (mine != null) {
        return mine;
      }
      // Ours did not commit; an answer lost on this attempt may still land while its anchor is
      // current.
      mayStillLand = result == null && snap.anchor().equals(attempt.anchor());
      if (d.next().checksum().equals(snap.checksumText())) {
        return new Committed(
            Outcome.SAME_BY_ANOTHER, snap.data().modifyIndex(), d, snap.checksumText(), null);
      }
    }
    if (mayStillLand) {
      throw outcomeUnknown(
          layout.dir(),
          tried,
          "Consul did not answer its last attempt, which may still be " + "applied");
    }
    throw KvexpressException.failure(
        Reason.CONFLICT,
        rules.attempts() > 1
            ? "gave up after " + rules.attempts() + " attempts: " + rules.gaveUp() + lastConflict
            : rules.gaveUp() + lastConflict);
  }

  /**
   * A transaction's result, or null when it was sent and no answer came back ({@link
   * Reason#UNCONFIRMED}). Any other failure while an earlier attempt of ours may still land ({@code
   * mayStillLand}) leaves the outcome unknown.
   */
  private static TxnResult unlessUnconfirmed(
      Supplier<TxnResult> send, boolean mayStillLand, String dir, List<Attempt> tried) {
    try {
      return send.get();
    } catch (KvexpressException e) {
      if (e.reason() == Reason.UNCONFIRMED) {
        return null;
      }
      if (mayStillLand) {
        throw outcomeUnknown(
            dir,
            tried,
            "Consul did not answer an earlier attempt, which may still be applied, and "
                + "the next one failed: "
                + e.getMessage());
      }
      throw e;
    }
  }

  /**
   * The key read again through the leader after a conflict or a lost answer. When even that read
   * fails, no one can say whether an attempt committed: the writer must not guess.
   */
  private KeySnapshot reread(KeyLayout layout, List<Attempt> tried, boolean staged) {
    try {
      return KeySnapshot.readConsistent(store, layout);
    } catch (KvexpressException e) {
      if (e.kind() == KvexpressException.Kind.FAILURE
          && (e.reason() == Reason.UNREACHABLE || e.reason() == Reason.UNCONFIRMED)) {
        throw outcomeUnknown(
            staged ? layout.stagedDir() : layout.dir(),
            tried,
            "reading it again failed: " + e.getMessage());
      }
      throw e;
    }
  }

  /**
   * What the chain of commits says about this writer's attempts: the commit of one of them (current
   * or superseded), null when none committed, or {@link Reason#OUTCOME_UNKNOWN} when it cannot
   * tell.
   */
  private static Committed settled(
      List<Attempt> tried,
      Lineage lineage,
      KvEntry data,
      String checksum,
      KeySnapshot snap,
      String dir) {
    boolean unknown = false;
    for (Attempt a : tried) {
      switch (lineage.verdict(a.id(), a.anchor())) {
        case CURRENT -> {
          return new Committed(
              Outcome.COMMITTED, data.modifyIndex(), a.draft(), checksum, stopReason(snap));
        }
        case SUPERSEDED -> {
          return new Committed(
              Outcome.SUPERSEDED, data.modifyIndex(), a.draft(), checksum, stopReason(snap));
        }
        case UNKNOWN -> unknown = true;
        case NOT_COMMITTED -> {}
      }
    }
    if (unknown) {
      throw outcomeUnknown(
          dir,
          tried,
          "more versions were committed since than meta "
              + "remembers, or a writer that keeps no history (Go kvexpress, a hand edit) wrote it");
    }
    return null;
  }

  private static String stopReason(KeySnapshot snap) {
    return snap.stop() == null ? null : snap.stopReason();
  }

  private static KvexpressException outcomeUnknown(String dir, List<Attempt> tried, String why) {
    String checksum = tried.get(tried.size() - 1).draft().next().checksum();
    return KvexpressException.failure(
        Reason.OUTCOME_UNKNOWN,
        "cannot tell whether version "
            + Checksum.shortForm(checksum)
            + " was committed to "
            + dir
            + ": its answer was lost and "
            + why
            + "; run 'kvexpress status' to see what is current, and publish again only if it is not what you want "
            + "(nothing was written twice)");
  }

  private TxnResult write(
      KeyLayout layout,
      List<TxnOp> guards,
      List<TxnOp> keepLast,
      List<TxnOp> current,
      Rules rules) {
    List<TxnOp> all = concat(guards, keepLast, current);
    if (ConsulLimits.txnBytes(all) <= ConsulLimits.MAX_TXN_BYTES) {
      return store.txn(all);
    }
    if (!rules.split() || keepLast.isEmpty()) {
      throw KvexpressException.refused(
          Reason.TOO_LARGE,
          "the new version and "
              + layout.last()
              + " together exceed "
              + "one Consul transaction ("
              + ConsulLimits.MAX_TXN_BYTES
              + " bytes), so they cannot be written atomically; "
              + "republish the version you want with kvexpress in (with --compress if needed)");
    }
    // last first: it then holds the current version, which was published before, so readers still
    // see a consistent pair; the guards of the second transaction see last's new index.
    TxnResult lastFirst = store.txn(concat(guards, keepLast, List.of()));
    if (!lastFirst.committed()) {
      return lastFirst;
    }
    List<TxnOp> second = new ArrayList<>();
    for (TxnOp g : guards) {
      second.add(
          g.key().equals(layout.last())
              ? TxnOp.checkIndex(layout.last(), indexOf(lastFirst, layout.last()))
              : g);
    }
    return store.txn(concat(second, current, List.of()));
  }

  /**
   * Adds a signature to the current version without making a new one (last stays what it is): how
   * {@code in --sign-key} signs a version that is already published unsigned or by another key.
   * Guarded on data and checksum, so it signs exactly the version it was shown; false when that
   * changed meanwhile.
   */
  public boolean sign(KeySnapshot snap, byte[] signature) {
    KeyLayout layout = snap.layout();
    return store
        .txn(
            List.of(
                TxnOp.unchangedSince(layout.data(), snap.data()),
                TxnOp.unchangedSince(layout.checksum(), snap.checksum()),
                TxnOp.unchangedSince(layout.stop(), snap.stop()),
                TxnOp.set(layout.signature(), signature, 0)))
        .committed();
  }

  /**
   * Makes {@code draft} the staged version ({@code in --stage}) without touching the current one:
   * staged data, checksum, meta and signature in one transaction guarded on the staged version as
   * read and on the stop key. Exactly once as {@link #commit} is: the staged meta carries the
   * attempt ids.
   */
  public Committed stage(KeyLayout layout, KeySnapshot seen, Draft d) throws InterruptedException {
    List<Attempt> tried = new ArrayList<>();
    KeySnapshot snap = seen;
    boolean mayStillLand = false;
    for (int n = 1; n <= PUBLISH_ATTEMPTS; n++) {
      if (snap.stopActive(clock.instant())) {
        throw halted(snap);
      }
      KeySnapshot read = snap;
      KeySnapshot.Staged s = read.staged();
      Attempt attempt = new Attempt(Lineage.newId(), s.anchor(), d);
      tried.add(attempt);
      Meta meta = d.meta().withCommit(attempt.id(), s.lineage().historyForNext());
      TxnResult r =
          unlessUnconfirmed(
              () ->
                  store.txn(
                      List.of(
                          TxnOp.unchangedSince(layout.stagedData(), s.data()),
                          TxnOp.unchangedSince(layout.stagedChecksum(), s.checksum()),
                          TxnOp.unchangedSince(layout.stop(), read.stop()),
                          TxnOp.set(layout.stagedData(), d.next().stored(), d.next().flags()),
                          TxnOp.set(
                              layout.stagedChecksum(),
                              d.next().checksum().getBytes(StandardCharsets.US_ASCII),
                              0),
                          TxnOp.set(layout.stagedMeta(), meta.toJson(), 0),
                          setOrDelete(layout.stagedSignature(), d.signature()))),
              mayStillLand,
              layout.stagedDir(),
              tried);
      if (r != null && r.committed()) {
        return new Committed(
            Outcome.COMMITTED, indexOf(r, layout.stagedData()), d, d.next().checksum(), null);
      }
      if (r != null && n < PUBLISH_ATTEMPTS) {
        backOff(n);
      }
      snap = reread(layout, tried, true);
      KeySnapshot.Staged now = snap.staged();
      Committed mine =
          settled(tried, now.lineage(), now.data(), now.checksumText(), snap, layout.stagedDir());
      if (mine != null) {
        return mine;
      }
      mayStillLand = r == null && now.anchor().equals(attempt.anchor());
      if (d.next().checksum().equals(now.checksumText())) {
        return new Committed(
            Outcome.SAME_BY_ANOTHER, now.data().modifyIndex(), d, now.checksumText(), null);
      }
    }
    if (mayStillLand) {
      throw outcomeUnknown(
          layout.stagedDir(),
          tried,
          "Consul did not answer its last attempt, which may still be " + "applied");
    }
    throw KvexpressException.failure(
        Reason.CONFLICT,
        "gave up after "
            + PUBLISH_ATTEMPTS
            + " attempts: other "
            + "publishers keep changing "
            + layout.stagedDir()
            + "; try again");
  }

  /**
   * Drops the staged version as read, in one transaction guarded on it; false when it changed
   * meanwhile.
   */
  public boolean discard(KeySnapshot snap) {
    KeyLayout layout = snap.layout();
    KeySnapshot.Staged s = snap.staged();
    List<TxnOp> ops =
        new ArrayList<>(
            List.of(
                TxnOp.unchangedSince(layout.stagedData(), s.data()),
                TxnOp.unchangedSince(layout.stagedChecksum(), s.checksum())));
    layout.stagedKeys().forEach(k -> ops.add(TxnOp.delete(k)));
    return store.txn(ops).committed();
  }

  /** The halt of a writer that found the key stopped (exit 4), with the way out. */
  public static KvexpressException halted(KeySnapshot snap) {
    KeyLayout layout = snap.layout();
    return KvexpressException.halted(
        Reason.STOP_KEY,
        "stop key "
            + layout.stop()
            + " is set: "
            + snap.stopReason()
            + "; run 'kvexpress resume -k "
            + layout.key()
            + "' when it is safe");
  }

  /**
   * The size of the smallest transaction that could make {@code stored} current (its guards, data,
   * checksum and a meta), for refusing a version that can never fit before anything is written.
   */
  public static int smallestCommitBytes(KeyLayout layout, byte[] stored, long flags) {
    return ConsulLimits.txnBytes(
        List.of(
            TxnOp.checkIndex(layout.data(), Long.MAX_VALUE),
            TxnOp.checkIndex(layout.checksum(), Long.MAX_VALUE),
            TxnOp.checkNotExists(layout.stop()),
            TxnOp.set(layout.data(), stored, flags),
            TxnOp.set(layout.checksum(), new byte[64], 0),
            TxnOp.set(layout.meta(), new byte[1024], 0),
            TxnOp.set(layout.signature(), new byte[700], 0)));
  }

  /**
   * The ops that make the snapshot's version last, with its meta naming last's checksum (rollback
   * checks it).
   */
  private static List<TxnOp> keepLast(KeySnapshot snap) {
    if (snap.data() == null) {
      return List.of();
    }
    List<TxnOp> ops = new ArrayList<>();
    ops.add(TxnOp.set(snap.layout().last(), snap.data().value(), snap.data().flags()));
    ops.add(
        setOrDelete(
            snap.layout().lastSignature(),
            snap.signature() == null ? null : snap.signature().value()));
    Meta meta = snap.parsedMeta();
    if (meta != null) {
      ops.add(
          TxnOp.set(snap.layout().meta(), meta.withLastChecksum(snap.checksumText()).toJson(), 0));
    }
    return ops;
  }

  private static TxnOp setOrDelete(String key, byte[] value) {
    return value == null ? TxnOp.delete(key) : TxnOp.set(key, value, 0);
  }

  /**
   * The verified content of a stored version: a single value decoded and compared with {@code
   * checksum}, or a manifest's chunks read with GETs, each verified, and the whole compared with
   * the manifest's and {@code checksum} (null: the manifest's own claim, as for {@code last}, whose
   * checksum meta may lack).
   */
  public byte[] content(
      KeyLayout layout,
      KvEntry stored,
      String checksum,
      long maxBytes,
      String what,
      String claimedBy) {
    return content(layout, stored, checksum, maxBytes, what, claimedBy, store::get);
  }

  /**
   * What a stored version decodes to, for showing it ({@code diff}, a dry run's diff, the shrink
   * guard), not for applying it: a single value is only decoded, not compared with a checksum (it
   * may have none); a chunked one is still read chunk by chunk and checked against its own
   * manifest.
   */
  public byte[] decoded(KeyLayout layout, KvEntry stored, long maxBytes) {
    if (stored.flags() != Manifest.FLAGS) {
      return Encoding.fromFlags(stored.flags()).decode(stored.value(), maxBytes);
    }
    return content(layout, stored, null, maxBytes, stored.key(), "its manifest");
  }

  /** {@link #content} with chunks found by {@code lookup}, e.g. in a listing already read. */
  public static byte[] content(
      KeyLayout layout,
      KvEntry stored,
      String checksum,
      long maxBytes,
      String what,
      String claimedBy,
      Function<String, Optional<KvEntry>> lookup) {
    if (stored.flags() != Manifest.FLAGS) {
      return new Version(stored.value(), stored.flags(), checksum)
          .verifiedContent(maxBytes, what, claimedBy);
    }
    Manifest m = Manifest.parse(stored.value(), what);
    if (checksum != null && !m.checksum().equals(checksum)) {
      throw KvexpressException.refused(
          Reason.CHECKSUM_MISMATCH,
          what
              + " is a manifest of checksum "
              + Checksum.shortForm(m.checksum())
              + " but "
              + claimedBy
              + " says "
              + Checksum.shortForm(checksum));
    }
    if (m.bytes() > maxBytes) {
      throw KvexpressException.refused(
          Reason.TOO_LARGE,
          what
              + " is "
              + m.bytes()
              + " bytes in "
              + m.chunks().size()
              + " chunks, more than --max-bytes "
              + maxBytes
              + "; raise --max-bytes if this file really is that large");
    }
    return ChunkStore.content(layout, m, what, lookup);
  }

  /**
   * A random pause after a conflict that grows with the attempt, so concurrent writers do not
   * collide again; taken before reading again, not after: a read followed by a pause is stale when
   * it is used.
   */
  private static void backOff(int attempt) throws InterruptedException {
    Thread.sleep(ThreadLocalRandom.current().nextLong(20, 60L * attempt));
  }

  private static long indexOf(TxnResult result, String key) {
    return result.results().stream()
        .filter(e -> e.key().equals(key))
        .mapToLong(KvEntry::modifyIndex)
        .max()
        .orElse(0);
  }

  @SafeVarargs
  private static List<TxnOp> concat(List<TxnOp>... parts) {
    List<TxnOp> all = new ArrayList<>();
    for (List<TxnOp> p : parts) {
      all.addAll(p);
    }
    return all;
  }
}
