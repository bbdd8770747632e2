package org.kvexpress.core;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Which commits led to a key's current version, and what that says about one commit attempt whose
 * answer was lost. Every commit writes, in the same transaction as the version, a fresh attempt id
 * into meta and the ids of the commits before it ({@link Meta#history()}), newest first. A version
 * that has no such meta (Go kvexpress wrote it, or nothing was published) is named by its anchor
 * {@code @<data ModifyIndex>} ({@code @0}: nothing published), which is unique within a key's
 * history because Raft indexes only grow.
 *
 * <p>An attempt commits, if at all, directly on top of the version it was guarded on (its anchor).
 * So, reading the chain of the current version: the attempt's id in it means it committed (at the
 * head: still current; further down: superseded by the newer ones); the anchor in it without the
 * attempt right above it means it did not commit, and, once anything else committed on the anchor,
 * never will; neither in it (more commits since than the history keeps, or a writer that keeps no
 * history wrote meanwhile) means nobody can tell, and the writer must say so instead of writing
 * again. Pure: no I/O.
 */
public final class Lineage {
  /**
   * How many earlier commits meta remembers: 16 ids of 16 hex digits keep meta small for every
   * node's read.
   */
  public static final int KEPT = 16;

  private final List<String> chain;

  private Lineage(List<String> chain) {
    this.chain = List.copyOf(chain);
  }

  /**
   * The chain of a key's current version: its meta (when it describes that version) gives the
   * commit id and the history; otherwise the version is known only by its anchor.
   */
  public static Lineage of(Meta currentMeta, long dataIndex) {
    if (currentMeta == null || currentMeta.id() == null) {
      return new Lineage(List.of(anchor(null, dataIndex)));
    }
    List<String> ids = new ArrayList<>();
    ids.add(currentMeta.id());
    ids.addAll(currentMeta.history());
    return new Lineage(ids);
  }

  /**
   * The name of a current version an attempt is guarded on: its commit id, or {@code @<data index>}
   * when no meta describes it ({@code @0} when nothing is published).
   */
  public static String anchor(Meta currentMeta, long dataIndex) {
    return currentMeta != null && currentMeta.id() != null ? currentMeta.id() : "@" + dataIndex;
  }

  /** A fresh attempt id: 64 random bits in hex. */
  public static String newId() {
    return HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
  }

  /**
   * The history a commit on top of this chain writes: this chain, newest first, cut to {@link
   * #KEPT}.
   */
  public List<String> historyForNext() {
    return chain.subList(0, Math.min(KEPT, chain.size()));
  }

  /** The ids, newest (the current version) first. */
  public List<String> ids() {
    return chain;
  }

  /**
   * What the chain says about the attempt {@code id} that was guarded on the version {@code
   * anchor}.
   */
  public Verdict verdict(String id, String anchor) {
    int at = chain.indexOf(id);
    if (at == 0) {
      return Verdict.CURRENT;
    }
    if (at > 0) {
      return Verdict.SUPERSEDED;
    }
    return chain.contains(anchor) ? Verdict.NOT_COMMITTED : Verdict.UNKNOWN;
  }

  /** What a chain says about one attempt. */
  public enum Verdict {
    /** The attempt committed and its version is current. */
    CURRENT,
    /** The attempt committed and newer versions followed it. */
    SUPERSEDED,
    /**
     * The attempt did not commit (yet: while its anchor is current, a late copy of it could still
     * land).
     */
    NOT_COMMITTED,
    /** The chain no longer reaches back to the attempt's anchor. */
    UNKNOWN
  }
}
