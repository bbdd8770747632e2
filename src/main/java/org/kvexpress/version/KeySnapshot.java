package org.kvexpress.version;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.kvexpress.core.Freeze;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Lineage;
import org.kvexpress.core.Meta;
import org.kvexpress.core.Reason;
import org.kvexpress.core.Version;
import org.kvexpress.kv.KvEntry;
import org.kvexpress.kv.KvListing;
import org.kvexpress.kv.KvStore;

/**
 * A key's version as read by one request, so that data and checksum always come from the same
 * moment (a transaction writes them together, and a read sees all of it or none): data, checksum,
 * last, meta, stop, the signatures, the pending-chunks registry and the staged version, and
 * whatever else the read asked for (a node's lock and report).
 *
 * <p>Fails closed by itself. A transaction's reads (and a recurse GET) leave out, silently, keys
 * the token may not read, so a key the read did not show is only answered as absent once that is
 * proven: on first use it is looked up alone (a single-key GET answers 404 for an absent key and
 * 403 for one the token may not read, which fails naming the key and key:read), or several at once
 * with {@link #confirmAbsent}. No caller can forget. The one exception, {@link #stopUnconfirmed},
 * is for a writer whose commit is itself guarded on the stop key.
 */
public final class KeySnapshot {
  /** The version keys a snapshot answers for, by role. */
  enum Part {
    DATA,
    CHECKSUM,
    LAST,
    META,
    STOP,
    STOP_UNTIL,
    SIGNATURE,
    LAST_SIGNATURE,
    PENDING,
    STAGED_DATA,
    STAGED_CHECKSUM,
    STAGED_META,
    STAGED_SIGNATURE
  }

  private final KeyLayout layout;
  private final KvStore store;

  /** Each part's key in Consul (a canary's view of the staged version maps data to staged data). */
  private final Map<Part, String> keys;

  private final Map<String, KvEntry> read;
  private final Set<String> absent;
  private final List<KvEntry> nodes;
  private final long index;
  private final Staged staged;

  private KeySnapshot(
      KeyLayout layout,
      KvStore store,
      Map<Part, String> keys,
      Map<String, KvEntry> read,
      Set<String> absent,
      List<KvEntry> nodes,
      long index) {
    this.layout = layout;
    this.store = store;
    this.keys = keys;
    this.read = read;
    this.absent = absent;
    this.nodes = nodes;
    this.index = index;
    this.staged = new Staged();
  }

  /**
   * The version keys in one read-only transaction: not the chunks (megabytes a version read does
   * not need) and not the node reports.
   */
  public static KeySnapshot read(KvStore store, KeyLayout layout) {
    return of(store, layout, store.getAll(layout.versionKeys()));
  }

  /**
   * {@link #read} for {@code in}, whose every outcome is either a commit guarded on each of these
   * keys (check-index, check-not-exists) or a no-op that needs them present: its absences need no
   * proof, because a token that may not read a key may not write it either (Consul's write policy
   * includes read), so a key it could not see fails the commit as denied.
   */
  public static KeySnapshot readToWrite(KvStore store, KeyLayout layout) {
    KeySnapshot s = read(store, layout);
    for (String k : layout.versionKeys()) {
      if (!s.read.containsKey(k)) {
        s.absent.add(k);
      }
    }
    return s;
  }

  /**
   * {@link #read}, answered by a leader that has confirmed it still leads: what a writer reads to
   * learn the outcome of a write whose answer was lost.
   */
  public static KeySnapshot readConsistent(KvStore store, KeyLayout layout) {
    return of(store, layout, store.getAll(layout.versionKeys(), true));
  }

  /**
   * A snapshot of what {@code listing} shows of the key (a read of exactly its keys, or a listing
   * of its folder); keys it does not show are confirmed through {@code store} when used.
   */
  public static KeySnapshot of(KvStore store, KeyLayout layout, KvListing listing) {
    Map<String, KvEntry> read = new HashMap<>();
    List<KvEntry> nodes = new ArrayList<>();
    for (KvEntry e : listing.entries()) {
      read.put(e.key(), e);
      if (e.key().startsWith(layout.nodesDir())) {
        nodes.add(e);
      }
    }
    Map<Part, String> keys = new EnumMap<>(Part.class);
    keys.put(Part.DATA, layout.data());
    keys.put(Part.CHECKSUM, layout.checksum());
    keys.put(Part.LAST, layout.last());
    keys.put(Part.META, layout.meta());
    keys.put(Part.STOP, layout.stop());
    keys.put(Part.STOP_UNTIL, layout.stopUntil());
    keys.put(Part.SIGNATURE, layout.signature());
    keys.put(Part.LAST_SIGNATURE, layout.lastSignature());
    keys.put(Part.PENDING, layout.pending());
    keys.put(Part.STAGED_DATA, layout.stagedData());
    keys.put(Part.STAGED_CHECKSUM, layout.stagedChecksum());
    keys.put(Part.STAGED_META, layout.stagedMeta());
    keys.put(Part.STAGED_SIGNATURE, layout.stagedSignature());
    return new KeySnapshot(
        layout, store, keys, read, new HashSet<>(), List.copyOf(nodes), listing.index());
  }

  /**
   * The staged version in the place of the current one (no last), as a canary applies it: the same
   * stop key, pending registry and reports.
   */
  public KeySnapshot asStaged() {
    Map<Part, String> view = new EnumMap<>(Part.class);
    view.put(Part.DATA, layout.stagedData());
    view.put(Part.CHECKSUM, layout.stagedChecksum());
    view.put(Part.META, layout.stagedMeta());
    view.put(Part.SIGNATURE, layout.stagedSignature());
    view.put(Part.STOP, layout.stop());
    view.put(Part.STOP_UNTIL, layout.stopUntil());
    view.put(Part.PENDING, layout.pending());
    return new KeySnapshot(layout, store, view, read, absent, nodes, index);
  }

  // ---- the parts, confirmed ----

  /** The error of a reader that found nothing published under this key, with the way out. */
  public KvexpressException nothingPublished() {
    return KvexpressException.because(
        Reason.NOTHING_PUBLISHED,
        "nothing published under "
            + layout.dir()
            + "; publish it first with 'kvexpress in -k "
            + layout.key()
            + "'");
  }

  public KeyLayout layout() {
    return layout;
  }

  public KvEntry data() {
    return part(Part.DATA);
  }

  public KvEntry checksum() {
    return part(Part.CHECKSUM);
  }

  public KvEntry last() {
    return part(Part.LAST);
  }

  public KvEntry meta() {
    return part(Part.META);
  }

  public KvEntry stop() {
    return part(Part.STOP);
  }

  public KvEntry signature() {
    return part(Part.SIGNATURE);
  }

  public KvEntry lastSignature() {
    return part(Part.LAST_SIGNATURE);
  }

  public KvEntry pending() {
    return part(Part.PENDING);
  }

  public Staged staged() {
    return staged;
  }

  /** The node reports, when the read listed the key's folder (else none). */
  public List<KvEntry> nodes() {
    return nodes;
  }

  /** The listing's index (a read-only transaction has none: 0). */
  public long index() {
    return index;
  }

  /**
   * Any key the read asked for (a node's lock or report), or null when it is absent; confirmed like
   * the parts.
   */
  public KvEntry entry(String key) {
    KvEntry e = read.get(key);
    if (e != null || key == null) {
      return e;
    }
    confirmAbsent(List.of(key));
    return null;
  }

  /**
   * The stop key as the read showed it, unconfirmed: only for a writer whose commit is guarded on
   * the stop key (check-not-exists, authorised as a write, so a stop the token cannot see fails the
   * commit), or for deciding that nothing needs to change, after which nothing is written.
   */
  public KvEntry stopUnconfirmed() {
    return keys.get(Part.STOP) == null ? null : read.get(keys.get(Part.STOP));
  }

  /**
   * A key as the read showed it, unconfirmed (see {@link #stopUnconfirmed} for when that is safe).
   */
  public KvEntry entryUnconfirmed(String key) {
    return read.get(key);
  }

  /**
   * Proves in one request that the keys the read did not show are absent: a single-key GET for one
   * (404 absent, 403 unreadable), a transaction of checks for several (each "doesn't exist", or
   * "Permission denied" for a key the token may not read, present or not). Unreadable fails naming
   * the key and key:read; a key that appeared meanwhile is a change to run again for.
   */
  public void confirmAbsent(List<String> candidates) {
    List<String> unproven = new ArrayList<>();
    for (String k : candidates) {
      if (k != null && !read.containsKey(k) && !absent.contains(k) && !unproven.contains(k)) {
        unproven.add(k);
      }
    }
    if (unproven.isEmpty()) {
      return;
    }
    Map<String, Boolean> exists =
        unproven.size() == 1
            ? Map.of(unproven.get(0), store.get(unproven.get(0)).isPresent())
            : store.exist(unproven);
    for (String k : unproven) {
      if (Boolean.TRUE.equals(exists.get(k))) {
        throw KvexpressException.because(
            Reason.CHANGED, k + " appeared while it was being read; run the command again");
      }
      absent.add(k);
    }
  }

  /**
   * Proves absent, in one request, every version key (current and staged) the read did not show.
   */
  public KeySnapshot confirmed() {
    confirmAbsent(new ArrayList<>(keys.values()));
    return this;
  }

  private KvEntry part(Part p) {
    String key = keys.get(p);
    return key == null ? null : entry(key);
  }

  /**
   * A part as read, unconfirmed: for the version owner's guards and commit chain, whose transaction
   * fails closed by itself (a key the token cannot see fails check-index and check-not-exists).
   */
  KvEntry asRead(Part p) {
    String key = keys.get(p);
    return key == null ? null : read.get(key);
  }

  // ---- what the parts say ----

  /** The published checksum, trimmed (Go kvexpress and hand edits may add a newline), or null. */
  public String checksumText() {
    return text(checksum());
  }

  /** Whether a stop is set and has not ended by {@code now} ({@code stop --for}). */
  public boolean stopActive(Instant now) {
    return halts(stop(), part(Part.STOP_UNTIL), now);
  }

  /**
   * Whether a stop is set but its {@code --for} has run out: in and out proceed, status says so.
   */
  public boolean stopExpired(Instant now) {
    KvEntry stop = stop();
    return stop != null && Freeze.over(endOf(stop, part(Part.STOP_UNTIL)), now);
  }

  /**
   * {@link #stopActive} as read, unconfirmed: for a writer whose commit is guarded on the stop key
   * (see {@link #stopUnconfirmed}).
   */
  public boolean stopActiveAsRead(Instant now) {
    return halts(asRead(Part.STOP), asRead(Part.STOP_UNTIL), now);
  }

  /** {@link #stopExpired} as read, unconfirmed. */
  public boolean stopExpiredAsRead(Instant now) {
    KvEntry stop = asRead(Part.STOP);
    return stop != null && Freeze.over(endOf(stop, asRead(Part.STOP_UNTIL)), now);
  }

  /**
   * Whether a stop or lock entry ({@code halt}, null: none) halts at {@code now}: set, and not
   * ended by the freeze written with it ({@code until}, its {@code /until} child; null: none).
   */
  public static boolean halts(KvEntry halt, KvEntry until, Instant now) {
    return halt != null && !Freeze.over(endOf(halt, until), now);
  }

  /** When the halt ends: its freeze's end if that was written with it, else null (never). */
  public static Instant endOf(KvEntry halt, KvEntry until) {
    return halt == null || until == null
        ? null
        : Freeze.endOf(halt.modifyIndex(), until.value(), until.modifyIndex());
  }

  /** The stop reason; an empty stop value still stops. */
  public String stopReason() {
    return reason(stop());
  }

  /** A stop's (or lock's) reason as its value says; an empty value still halts. */
  public static String reason(KvEntry stop) {
    if (stop == null) {
      return null;
    }
    String r = new String(stop.value(), StandardCharsets.UTF_8).strip();
    return r.isEmpty() ? "(no reason given)" : r;
  }

  /** The data as a version, with the published checksum; null when nothing is published. */
  public Version current() {
    KvEntry data = data();
    return data == null ? null : new Version(data.value(), data.flags(), checksumText());
  }

  public Meta parsedMeta() {
    KvEntry meta = meta();
    return meta == null ? null : Meta.parse(meta.value());
  }

  /**
   * Meta when it describes the current version (it names the published checksum), else null: meta a
   * hand edit or Go kvexpress left behind says nothing about what is published now.
   */
  public Meta currentMeta() {
    return describing(parsedMeta(), checksumText());
  }

  /** The commits that led to the current version as read ({@link Lineage}), for its writer. */
  Lineage lineage() {
    return lineage(Part.DATA, Part.CHECKSUM, Part.META);
  }

  /**
   * The name of the current version as read, for a commit guarded on it ({@link Lineage#anchor}).
   */
  String anchor() {
    return anchor(Part.DATA, Part.CHECKSUM, Part.META);
  }

  /**
   * The checksum as read, unconfirmed: for the version owner (its commit is guarded on it) and for
   * reports and logs, which decide nothing.
   */
  public String checksumTextAsRead() {
    return text(asRead(Part.CHECKSUM));
  }

  private Meta seenMeta(Part data, Part checksum, Part meta) {
    KvEntry m = asRead(meta);
    return describing(m == null ? null : Meta.parse(m.value()), text(asRead(checksum)));
  }

  Lineage lineage(Part data, Part checksum, Part meta) {
    KvEntry d = asRead(data);
    return Lineage.of(seenMeta(data, checksum, meta), d == null ? 0 : d.modifyIndex());
  }

  String anchor(Part data, Part checksum, Part meta) {
    KvEntry d = asRead(data);
    return Lineage.anchor(seenMeta(data, checksum, meta), d == null ? 0 : d.modifyIndex());
  }

  private static Meta describing(Meta m, String checksum) {
    return m != null && checksum != null && checksum.equals(m.checksum()) ? m : null;
  }

  /** A checksum value trimmed (Go kvexpress and hand edits may add a newline), or null. */
  private static String text(KvEntry checksum) {
    return checksum == null ? null : new String(checksum.value(), StandardCharsets.UTF_8).trim();
  }

  /**
   * The staged version ({@code in --stage}), if any: its data, checksum, meta and signature,
   * confirmed as the current version's parts are.
   */
  public final class Staged {
    private Staged() {}

    public KvEntry data() {
      return part(Part.STAGED_DATA);
    }

    public KvEntry checksum() {
      return part(Part.STAGED_CHECKSUM);
    }

    public KvEntry meta() {
      return part(Part.STAGED_META);
    }

    public KvEntry signature() {
      return part(Part.STAGED_SIGNATURE);
    }

    public boolean exists() {
      return data() != null;
    }

    public String checksumText() {
      return text(checksum());
    }

    public Meta parsedMeta() {
      KvEntry meta = meta();
      return meta == null ? null : Meta.parse(meta.value());
    }

    /** The stagings that led to the staged version as read ({@link Lineage}), for its writer. */
    Lineage lineage() {
      return KeySnapshot.this.lineage(Part.STAGED_DATA, Part.STAGED_CHECKSUM, Part.STAGED_META);
    }

    /** The name of the staged version as read, for a staging guarded on it. */
    String anchor() {
      return KeySnapshot.this.anchor(Part.STAGED_DATA, Part.STAGED_CHECKSUM, Part.STAGED_META);
    }
  }
}
