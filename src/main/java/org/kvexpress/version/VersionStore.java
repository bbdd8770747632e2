package org.kvexpress.version;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.Supplier;
import org.kvexpress.core.Checksum;
import org.kvexpress.core.Encoding;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Lineage;
import org.kvexpress.core.Meta;
import org.kvexpress.core.PendingChunks;
import org.kvexpress.core.Reason;
import org.kvexpress.core.Version;
import org.kvexpress.kv.ConsulLimits;
import org.kvexpress.kv.KvEntry;
import org.kvexpress.kv.KvStore;
import org.kvexpress.kv.TxnOp;
import org.kvexpress.kv.TxnResult;
import org.kvexpress.version.KeySnapshot.Part;

/**
 * The owner of the whole life of a key's versions: every command that makes a version current or
 * staged ({@code in}, {@code copy}, {@code rollback}, {@code promote}) hands it a {@link Proposal}
 * and {@link Rules}, and it does the rest in one place: how the content is stored ({@link #encode}:
 * one value, or chunks), writing and registering a chunked version's chunks, the meta stamp, the
 * guarded transaction (data, checksum and meta written together with the version they replace as
 * {@code last}, guarded by check-index on what was read and, unless the rules let the writer work
 * while stopped, on the stop key), the split of an oversized pair (last first, then the version),
 * retries after conflicts, exactly-once recognition of a commit whose answer was lost ({@link
 * Lineage}), releasing the chunk registration and collecting chunks no version needs any more.
 * Signatures move with their versions ({@code signature} to {@code last-signature}).
 */
public final class VersionStore {

  /**
   * One try at a commit: its id (written into meta), the version it was guarded on, and what it
   * wrote.
   */
  private record Attempt(String id, String anchor, Proposal proposal) {}

  private final KvStore store;
  private final Clock clock;
  private final String hostname;
  private final ChunkStore chunks;

  /**
   * {@code clock} stamps meta's time and decides whether a stop set with {@code --for} has expired;
   * {@code hostname} is meta's host and the chunk registration's.
   */
  public VersionStore(KvStore store, Clock clock, String hostname) {
    this.store = store;
    this.clock = clock;
    this.hostname = hostname;
    this.chunks = new ChunkStore(store);
  }

  /** The key's current version, last, meta and stop, as one consistent read. */
  public KeySnapshot read(KeyLayout layout) {
    return KeySnapshot.read(store, layout);
  }

  /**
   * How {@code plain} is stored under {@code layout} in {@code encoding}: one value when it fits
   * one Consul value and one transaction (base64 makes the JSON body about 4/3 of the value), else
   * a manifest of chunks. Plain data over the value limit is not encoded into a (possibly huge)
   * transaction just to measure it.
   */
  public static Stored encode(KeyLayout layout, byte[] plain, String checksum, Encoding encoding) {
    if (encoding != Encoding.PLAIN || plain.length <= ConsulLimits.MAX_VALUE_BYTES) {
      byte[] encoded = encoding.encode(plain);
      if (encoded.length <= ConsulLimits.MAX_VALUE_BYTES
          && smallestCommitBytes(layout, encoded, encoding.flags()) <= ConsulLimits.MAX_TXN_BYTES) {
        return Stored.inPlace(new Version(encoded, encoding.flags(), checksum));
      }
    }
    return Stored.inChunks(plain, checksum, encoding);
  }

  /**
   * Makes {@code proposal.apply(snapshot)} the current version of {@code layout}, the snapshot's
   * version becoming last. {@code proposal} is asked again with a fresh snapshot after each
   * conflict, so a writer can re-read its source; it may throw to give up. A chunked version's
   * chunks are written (and registered, so no collector takes them) before the first attempt, and
   * must stay the same version through the retries.
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
      KeyLayout layout, KeySnapshot seen, Function<KeySnapshot, Proposal> proposal, Rules rules)
      throws InterruptedException {
    return withChunks(layout, seen, proposal, rules, Slot.CURRENT);
  }

  /**
   * Makes {@code proposal} the staged version ({@code in --stage}) without touching the current
   * one: staged data, checksum, meta and signature in one transaction guarded on the staged version
   * as read and on the stop key, with the same chunk handling and exactly-once rules as {@link
   * #commit}.
   */
  public Committed stage(KeyLayout layout, KeySnapshot seen, Proposal proposal)
      throws InterruptedException {
    return withChunks(layout, seen, s -> proposal, Rules.stage(layout), Slot.STAGED);
  }

  /**
   * The chunk steps around a commit: write and register the chunks of a chunked proposal, commit
   * (refused when the registration may have gone stale, since collectors then ignore it), release
   * the registration whatever happened, and collect chunks no version needs any more.
   */
  private Committed withChunks(
      KeyLayout layout,
      KeySnapshot seen,
      Function<KeySnapshot, Proposal> proposal,
      Rules rules,
      Slot slot)
      throws InterruptedException {
    Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    Proposal first = proposal.apply(seen);
    Stored stored = first.stored();
    ChunkStore.Staged registered = null;
    if (stored.newChunks() != null) {
      registered =
          chunks.stage(
              layout, stored.manifest(), stored.newChunks(), stored.chunkEncoding(), hostname, now);
    }
    Committed c;
    try {
      if (registered != null
          && !clock.instant().isBefore(registered.at().plus(PendingChunks.STALE_AFTER))) {
        throw KvexpressException.because(
            Reason.CONFLICT,
            "staging the chunks took longer than "
                + PendingChunks.STALE_AFTER.toMinutes()
                + " minutes, so they may have been collected; run the publish again");
      }
      String chunkedChecksum = registered == null ? null : first.checksum();
      Function<KeySnapshot, Proposal> next =
          s -> {
            Proposal p = s == seen ? first : proposal.apply(s);
            if (chunkedChecksum != null && !chunkedChecksum.equals(p.checksum())) {
              throw KvexpressException.because(
                  Reason.CHANGED,
                  "the version changed while its chunks were written; run it again");
            }
            return p;
          };
      c = attempts(layout, seen, next, rules, slot, now);
    } finally {
      if (registered != null) {
        chunks.release(layout, registered.id());
      }
    }
    Committed.ChunkWork work = null;
    if (registered != null || seen.asRead(Part.PENDING) != null) {
      int removed = 0;
      String collectError = null;
      try {
        removed = chunks.collect(layout, now, Set.of());
      } catch (KvexpressException e) {
        collectError = e.getMessage(); // the commit stands; the next one collects
      }
      work =
          new Committed.ChunkWork(
              stored.chunked() ? stored.manifest().chunks().size() : 0,
              registered == null ? 0 : registered.written(),
              removed,
              collectError);
    }
    return c.with(
        registered != null ? registered.storedBytes() : stored.version().stored().length, work);
  }

  /** Where a commit puts its version: current (with last) or staged. */
  private enum Slot {
    CURRENT,
    STAGED;

    String dir(KeyLayout layout) {
      return this == CURRENT ? layout.dir() : layout.stagedDir();
    }

    Lineage lineage(KeySnapshot s) {
      return this == CURRENT ? s.lineage() : s.staged().lineage();
    }

    String anchor(KeySnapshot s) {
      return this == CURRENT ? s.anchor() : s.staged().anchor();
    }

    KvEntry data(KeySnapshot s) {
      return s.asRead(this == CURRENT ? Part.DATA : Part.STAGED_DATA);
    }

    String checksum(KeySnapshot s) {
      KvEntry sum = s.asRead(this == CURRENT ? Part.CHECKSUM : Part.STAGED_CHECKSUM);
      return sum == null ? null : new String(sum.value(), StandardCharsets.UTF_8).trim();
    }
  }

  /** The attempts of one commit (see {@link #commit}). */
  private Committed attempts(
      KeyLayout layout,
      KeySnapshot seen,
      Function<KeySnapshot, Proposal> proposal,
      Rules rules,
      Slot slot,
      Instant now)
      throws InterruptedException {
    List<Attempt> tried = new ArrayList<>();
    KeySnapshot snap = seen;
    String lastConflict = "";
    boolean mayStillLand = false;
    String dir = slot.dir(layout);
    for (int n = 1; n <= rules.attempts; n++) {
      if (rules.guardStop && snap.stopActiveAsRead(clock.instant())) {
        throw halted(snap);
      }
      Proposal p = proposal.apply(snap);
      Attempt attempt = new Attempt(Lineage.newId(), slot.anchor(snap), p);
      tried.add(attempt);
      Meta meta = stamp(p, now).withCommit(attempt.id(), slot.lineage(snap).historyForNext());
      KeySnapshot read = snap;
      TxnResult result =
          unlessUnconfirmed(
              () ->
                  slot == Slot.CURRENT
                      ? writeCurrent(layout, read, p, meta, rules)
                      : writeStaged(layout, read, p, meta),
              mayStillLand,
              dir,
              tried);
      if (result != null && result.committed()) {
        String dataKey = slot == Slot.CURRENT ? layout.data() : layout.stagedData();
        return new Committed(
            Committed.Outcome.COMMITTED, indexOf(result, dataKey), p, p.checksum(), null);
      }
      if (result != null) {
        lastConflict =
            result.errors().isEmpty()
                ? ""
                : " (last conflict: " + result.errors().get(0).what() + ")";
        if (n < rules.attempts) {
          backOff(n);
        }
      }
      snap = reread(layout, tried, dir);
      Committed mine =
          settled(tried, slot.lineage(snap), slot.data(snap), slot.checksum(snap), snap, dir);
      if (mine != null) {
        return mine;
      }
      // Ours did not commit; an answer lost on this attempt may still land while its anchor is
      // current.
      mayStillLand = result == null && slot.anchor(snap).equals(attempt.anchor());
      if (p.checksum().equals(slot.checksum(snap))) {
        return new Committed(
            Committed.Outcome.SAME_BY_ANOTHER,
            slot.data(snap).modifyIndex(),
            p,
            slot.checksum(snap),
            null);
      }
    }
    if (mayStillLand) {
      throw outcomeUnknown(
          dir, tried, "Consul did not answer its last attempt, which may still be applied");
    }
    throw KvexpressException.because(
        Reason.CONFLICT,
        rules.attempts > 1
            ? "gave up after " + rules.attempts + " attempts: " + rules.gaveUp + lastConflict
            : rules.gaveUp + lastConflict);
  }

  /**
   * Meta as this store stamps it: what the version is, where it came from, who wrote it and when.
   */
  private Meta stamp(Proposal p, Instant now) {
    return new Meta(
        p.checksum(),
        p.lines(),
        p.bytes(),
        p.stored().version().encodingLabel(),
        hostname,
        now.toString(),
        p.source(),
        null,
        null,
        null);
  }

  /**
   * The guarded transaction of a new current version: guards on what was read (the proposal's
   * sources, data, checksum, last and, when the rules say so, the stop key), the read version made
   * last, and the new data, checksum, meta (naming last's checksum) and signature.
   */
  private TxnResult writeCurrent(
      KeyLayout layout, KeySnapshot snap, Proposal p, Meta meta, Rules rules) {
    List<TxnOp> guards = new ArrayList<>();
    for (KvEntry source : p.readFrom()) {
      guards.add(TxnOp.checkIndex(source.key(), source.modifyIndex()));
    }
    guards.add(TxnOp.unchangedSince(layout.data(), snap.asRead(Part.DATA)));
    guards.add(TxnOp.unchangedSince(layout.checksum(), snap.asRead(Part.CHECKSUM)));
    guards.add(TxnOp.unchangedSince(layout.last(), snap.asRead(Part.LAST)));
    if (rules.guardStop) {
      // Absent, or set with a --for that has run out: either way it must stay as it was read.
      guards.add(TxnOp.unchangedSince(layout.stop(), snap.asRead(Part.STOP)));
    }
    Version next = p.stored().version();
    List<TxnOp> current =
        new ArrayList<>(
            List.of(
                TxnOp.set(layout.data(), next.stored(), next.flags()),
                TxnOp.set(
                    layout.checksum(), next.checksum().getBytes(StandardCharsets.US_ASCII), 0),
                TxnOp.set(
                    layout.meta(), meta.withLastChecksum(snap.checksumTextAsRead()).toJson(), 0),
                setOrDelete(layout.signature(), p.signature())));
    p.remove().forEach(k -> current.add(TxnOp.delete(k)));
    return write(layout, guards, keepLast(snap), current, rules);
  }

  /**
   * The guarded transaction of a new staged version: guards on the staged version and the stop key.
   */
  private TxnResult writeStaged(KeyLayout layout, KeySnapshot snap, Proposal p, Meta meta) {
    Version next = p.stored().version();
    return store.txn(
        List.of(
            TxnOp.unchangedSince(layout.stagedData(), snap.asRead(Part.STAGED_DATA)),
            TxnOp.unchangedSince(layout.stagedChecksum(), snap.asRead(Part.STAGED_CHECKSUM)),
            TxnOp.unchangedSince(layout.stop(), snap.asRead(Part.STOP)),
            TxnOp.set(layout.stagedData(), next.stored(), next.flags()),
            TxnOp.set(
                layout.stagedChecksum(), next.checksum().getBytes(StandardCharsets.US_ASCII), 0),
            TxnOp.set(layout.stagedMeta(), meta.toJson(), 0),
            setOrDelete(layout.stagedSignature(), p.signature())));
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
  private KeySnapshot reread(KeyLayout layout, List<Attempt> tried, String dir) {
    try {
      return KeySnapshot.readConsistent(store, layout);
    } catch (KvexpressException e) {
      if (e.reason().noAnswer()) {
        throw outcomeUnknown(dir, tried, "reading it again failed: " + e.getMessage());
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
              Committed.Outcome.COMMITTED,
              data.modifyIndex(),
              a.proposal(),
              checksum,
              stopReason(snap));
        }
        case SUPERSEDED -> {
          return new Committed(
              Committed.Outcome.SUPERSEDED,
              data.modifyIndex(),
              a.proposal(),
              checksum,
              stopReason(snap));
        }
        case UNKNOWN -> unknown = true;
        case NOT_COMMITTED -> {}
      }
    }
    if (unknown) {
      throw outcomeUnknown(
          dir,
          tried,
          "more versions were committed since than meta remembers, or a writer that keeps no "
              + "history (Go kvexpress, a hand edit) wrote it");
    }
    return null;
  }

  private static String stopReason(KeySnapshot snap) {
    return KeySnapshot.reason(snap.asRead(Part.STOP));
  }

  private static KvexpressException outcomeUnknown(String dir, List<Attempt> tried, String why) {
    String checksum = tried.get(tried.size() - 1).proposal().checksum();
    return KvexpressException.because(
        Reason.OUTCOME_UNKNOWN,
        "cannot tell whether version "
            + Checksum.shortForm(checksum)
            + " was committed to "
            + dir
            + ": its answer was lost and "
            + why
            + "; run 'kvexpress status' to see what is current, and publish again only if it is"
            + " not what you want (nothing was written twice)");
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
    if (!rules.split || keepLast.isEmpty()) {
      throw KvexpressException.because(
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
                TxnOp.unchangedSince(layout.data(), snap.asRead(Part.DATA)),
                TxnOp.unchangedSince(layout.checksum(), snap.asRead(Part.CHECKSUM)),
                TxnOp.unchangedSince(layout.stop(), snap.asRead(Part.STOP)),
                TxnOp.set(layout.signature(), signature, 0)))
        .committed();
  }

  /**
   * Drops the staged version as read, in one transaction guarded on it; false when it changed
   * meanwhile.
   */
  public boolean discard(KeySnapshot snap) {
    KeyLayout layout = snap.layout();
    List<TxnOp> ops =
        new ArrayList<>(
            List.of(
                TxnOp.unchangedSince(layout.stagedData(), snap.asRead(Part.STAGED_DATA)),
                TxnOp.unchangedSince(layout.stagedChecksum(), snap.asRead(Part.STAGED_CHECKSUM))));
    layout.stagedKeys().forEach(k -> ops.add(TxnOp.delete(k)));
    return store.txn(ops).committed();
  }

  /** The halt of a writer that found the key stopped (exit 4), with the way out. */
  public static KvexpressException halted(KeySnapshot snap) {
    KeyLayout layout = snap.layout();
    return KvexpressException.because(
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
    KvEntry data = snap.asRead(Part.DATA);
    if (data == null) {
      return List.of();
    }
    List<TxnOp> ops = new ArrayList<>();
    ops.add(TxnOp.set(snap.layout().last(), data.value(), data.flags()));
    KvEntry signature = snap.asRead(Part.SIGNATURE);
    ops.add(
        setOrDelete(snap.layout().lastSignature(), signature == null ? null : signature.value()));
    KvEntry metaEntry = snap.asRead(Part.META);
    Meta meta = metaEntry == null ? null : Meta.parse(metaEntry.value());
    if (meta != null) {
      ops.add(
          TxnOp.set(
              snap.layout().meta(), meta.withLastChecksum(snap.checksumTextAsRead()).toJson(), 0));
    }
    return ops;
  }

  private static TxnOp setOrDelete(String key, byte[] value) {
    return value == null ? TxnOp.delete(key) : TxnOp.set(key, value, 0);
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
