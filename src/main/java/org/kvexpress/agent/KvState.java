package org.kvexpress.agent;

import java.time.Clock;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The agent's KV table, its tombstones ("graveyard") and the Raft-like index, following Consul's
 * state store (Consul's KV read API; Consul's KV delete API; Consul's blocking queries): keys sort
 * bytewise, an identical write changes nothing, deletes leave tombstones that keep list indexes
 * from going backwards until they are reaped.
 */
final class KvState {
  /**
   * One stored key. Immutable; a write replaces it. Its value's base64 is made once here, not for
   * every one of a thousand readers.
   */
  record Entry(
      String key, byte[] value, long flags, long createIndex, long modifyIndex, String base64) {
    Entry(String key, byte[] value, long flags, long createIndex, long modifyIndex) {
      this(
          key,
          value,
          flags,
          createIndex,
          modifyIndex,
          value.length == 0 ? null : Base64.getEncoder().encodeToString(value));
    }

    boolean sameContent(byte[] v, long f) {
      return flags == f && Arrays.equals(value, v);
    }
  }

  /**
   * The table inside one transaction: reads see earlier writes, and since every reader takes the
   * state's lock, nothing shows until the transaction commits (or is rolled back).
   */
  final class Txn {
    /**
     * The live table, changed in place under the state's lock; {@link #rollback()} undoes the
     * changes.
     */
    final TreeMap<String, Entry> table = entries;

    final List<String> tombstonesToAdd = new ArrayList<>();
    final long index = raftIndex + 1;
    boolean wrote;

    /** (key, entry before the change, or null) for every change, newest first. */
    private final Deque<Map.Entry<String, Entry>> undo = new ArrayDeque<>();

    private void remember(String key, Entry before) {
      undo.push(new AbstractMap.SimpleEntry<>(key, before));
    }

    private void rollback() {
      while (!undo.isEmpty()) {
        Map.Entry<String, Entry> u = undo.pop();
        if (u.getValue() == null) {
          table.remove(u.getKey());
        } else {
          table.put(u.getKey(), u.getValue());
        }
      }
    }
  }

  /** Code point order of Java strings equals the byte order of their UTF-8 encodings. */
  static final Comparator<String> BYTE_ORDER =
      (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
          int ca = a.codePointAt(i);
          int cb = b.codePointAt(j);
          if (ca != cb) {
            return Integer.compare(ca, cb);
          }
          i += Character.charCount(ca);
          j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
      };

  private final TreeMap<String, Entry> entries = new TreeMap<>(BYTE_ORDER);
  private final TreeMap<String, long[]> tombstones =
      new TreeMap<>(BYTE_ORDER); // key -> {index, millis}
  private final Set<Runnable> listeners = ConcurrentHashMap.newKeySet();
  private final Clock clock;
  private final Duration tombstoneTtl;
  private long raftIndex = 1;
  private long kvsIndex = 1;
  private long tombstoneIndex = 0;

  KvState(Clock clock, Duration tombstoneTtl) {
    this.clock = clock;
    this.tombstoneTtl = tombstoneTtl;
  }

  /**
   * Listeners run (outside the lock) after every change; blocking queries re-check through them.
   */
  void addListener(Runnable r) {
    listeners.add(r);
  }

  /** How many blocking queries are parked now. */
  int listenerCount() {
    return listeners.size();
  }

  void removeListener(Runnable r) {
    listeners.remove(r);
  }

  synchronized Entry get(String key) {
    return entries.get(key);
  }

  synchronized List<Entry> list(String prefix) {
    return new ArrayList<>(underPrefix(entries, prefix).values());
  }

  /**
   * X-Consul-Index of a single-key read: the key's ModifyIndex, or the table indexes when it is
   * missing.
   */
  synchronized long keyIndex(String key) {
    Entry e = entries.get(key);
    return clamp(e != null ? e.modifyIndex() : Math.max(kvsIndex, tombstoneIndex));
  }

  /**
   * X-Consul-Index of a prefix read: the highest index under it, tombstones included, else the
   * table's.
   */
  synchronized long prefixIndex(String prefix) {
    long max = 0;
    for (Entry e : underPrefix(entries, prefix).values()) {
      max = Math.max(max, e.modifyIndex());
    }
    for (long[] t : underPrefix(tombstones, prefix).values()) {
      max = Math.max(max, t[0]);
    }
    return clamp(max == 0 ? Math.max(kvsIndex, tombstoneIndex) : max);
  }

  /** Runs {@code body} against a transaction view and commits it if it returns true. */
  boolean transact(Predicate<Txn> body) {
    boolean changed;
    synchronized (this) {
      // Changes go straight into the table and are undone on failure: a read-only transaction, or
      // one write among thousands of keys, then costs what it touches rather than a copy of the
      // table.
      Txn txn = new Txn();
      boolean committed = false;
      try {
        committed = body.test(txn);
      } finally {
        if (!committed) {
          txn.rollback();
        }
      }
      if (!committed) {
        return false;
      }
      changed = commit(txn);
    }
    if (changed) {
      listeners.forEach(Runnable::run);
    }
    return true;
  }

  /**
   * Stages a set in a transaction; an identical value and flags change nothing (Consul's KV write
   * API).
   */
  static Entry stageSet(Txn txn, String key, byte[] value, long flags) {
    Entry old = txn.table.get(key);
    if (old != null && old.sameContent(value, flags)) {
      return old;
    }
    Entry e = new Entry(key, value, flags, old == null ? txn.index : old.createIndex(), txn.index);
    txn.remember(key, old);
    txn.table.put(key, e);
    txn.wrote = true;
    return e;
  }

  /** Stages a delete; a key that existed leaves a tombstone. */
  static void stageDelete(Txn txn, String key) {
    Entry old = txn.table.remove(key);
    if (old != null) {
      txn.remember(key, old);
      txn.wrote = true;
      txn.tombstonesToAdd.add(key);
    }
  }

  /** Stages a tree delete; it leaves one tombstone for the prefix (none for the empty prefix). */
  static void stageDeleteTree(Txn txn, String prefix) {
    NavigableMap<String, Entry> sub = underPrefix(txn.table, prefix);
    if (!sub.isEmpty()) {
      sub.forEach(txn::remember);
      sub.clear();
      txn.wrote = true;
      if (!prefix.isEmpty()) {
        txn.tombstonesToAdd.add(prefix);
      }
    }
  }

  static NavigableMap<String, Entry> tree(Txn txn, String prefix) {
    return underPrefix(txn.table, prefix);
  }

  private boolean commit(Txn txn) {
    reap();
    boolean changed = txn.wrote;
    raftIndex = txn.index;
    for (String key : txn.tombstonesToAdd) {
      tombstones.put(key, new long[] {txn.index, clock.millis()});
      tombstoneIndex = txn.index;
    }
    if (changed) {
      kvsIndex = txn.index;
    }
    return changed;
  }

  private void reap() {
    long cutoff = clock.millis() - tombstoneTtl.toMillis();
    Iterator<Map.Entry<String, long[]>> it = tombstones.entrySet().iterator();
    while (it.hasNext()) {
      if (it.next().getValue()[1] < cutoff) {
        it.remove();
      }
    }
  }

  private static <V> NavigableMap<String, V> underPrefix(TreeMap<String, V> map, String prefix) {
    if (prefix.isEmpty()) {
      return map;
    }
    // Every key with this raw prefix sorts between the prefix and the prefix followed by the
    // highest code point.
    return map.subMap(prefix, true, prefix + Character.toString(Character.MAX_CODE_POINT), true);
  }

  private static long clamp(long index) {
    return Math.max(1, index);
  }
}
