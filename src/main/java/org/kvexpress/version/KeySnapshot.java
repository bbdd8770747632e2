package org.kvexpress.version;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.kvexpress.core.Freeze;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.Lineage;
import org.kvexpress.core.Meta;
import org.kvexpress.core.Version;
import org.kvexpress.kv.KvEntry;
import org.kvexpress.kv.KvListing;
import org.kvexpress.kv.KvStore;

/**
 * A key's version as read by one request, so that data and checksum always come from the same
 * moment (a transaction writes them together, and a read sees all of it or none): data, checksum,
 * last, meta, stop, the signatures and the pending-chunks registry, and (when read with the folder)
 * the node reports.
 */
public record KeySnapshot(
    KeyLayout layout,
    KvEntry data,
    KvEntry checksum,
    KvEntry last,
    KvEntry meta,
    KvEntry stop,
    KvEntry signature,
    KvEntry lastSignature,
    KvEntry pending,
    Staged staged,
    List<KvEntry> nodes,
    long index) {

  /** The staged version ({@code in --stage}), if any: its data, checksum, meta and signature. */
  public record Staged(KvEntry data, KvEntry checksum, KvEntry meta, KvEntry signature) {
    public boolean exists() {
      return data != null;
    }

    public String checksumText() {
      return text(checksum);
    }

    public Meta parsedMeta() {
      return meta == null ? null : Meta.parse(meta.value());
    }

    /** Staged meta when it describes the staged version, else null. */
    Meta currentMeta() {
      Meta m = parsedMeta();
      String current = checksumText();
      return m != null && current != null && current.equals(m.checksum()) ? m : null;
    }

    /** The stagings that led to the staged version ({@link Lineage}). */
    public Lineage lineage() {
      return Lineage.of(currentMeta(), data == null ? 0 : data.modifyIndex());
    }

    /** The name of the staged version for a staging guarded on it. */
    public String anchor() {
      return Lineage.anchor(currentMeta(), data == null ? 0 : data.modifyIndex());
    }
  }

  /** A checksum value trimmed (Go kvexpress and hand edits may add a newline), or null. */
  private static String text(KvEntry checksum) {
    return checksum == null ? null : new String(checksum.value(), StandardCharsets.UTF_8).trim();
  }

  /**
   * The version keys in one read-only transaction: not the chunks (megabytes a version read does
   * not need) and not the node reports.
   */
  public static KeySnapshot read(KvStore store, KeyLayout layout) {
    return of(layout, store.getAll(layout.versionKeys()));
  }

  /**
   * {@link #read}, answered by a leader that has confirmed it still leads: what a writer reads to
   * learn the outcome of a write whose answer was lost.
   */
  public static KeySnapshot readConsistent(KvStore store, KeyLayout layout) {
    return of(layout, store.getAll(layout.versionKeys(), true));
  }

  public static KeySnapshot of(KeyLayout layout, KvListing listing) {
    return new KeySnapshot(
        layout,
        listing.find(layout.data()).orElse(null),
        listing.find(layout.checksum()).orElse(null),
        listing.find(layout.last()).orElse(null),
        listing.find(layout.meta()).orElse(null),
        listing.find(layout.stop()).orElse(null),
        listing.find(layout.signature()).orElse(null),
        listing.find(layout.lastSignature()).orElse(null),
        listing.find(layout.pending()).orElse(null),
        new Staged(
            listing.find(layout.stagedData()).orElse(null),
            listing.find(layout.stagedChecksum()).orElse(null),
            listing.find(layout.stagedMeta()).orElse(null),
            listing.find(layout.stagedSignature()).orElse(null)),
        listing.entries().stream().filter(e -> e.key().startsWith(layout.nodesDir())).toList(),
        listing.index());
  }

  /** This snapshot with the stop key found by a later single-key read. */
  public static KeySnapshot withStop(KeySnapshot s, KvEntry stop) {
    return new KeySnapshot(
        s.layout(),
        s.data(),
        s.checksum(),
        s.last(),
        s.meta(),
        stop,
        s.signature(),
        s.lastSignature(),
        s.pending(),
        s.staged(),
        s.nodes(),
        s.index());
  }

  /** The published checksum, trimmed (Go kvexpress and hand edits may add a newline), or null. */
  public String checksumText() {
    return text(checksum);
  }

  /**
   * The staged version in the place of the current one (no last), as a canary applies it: the same
   * stop key, pending registry and reports.
   */
  public KeySnapshot asStaged() {
    return new KeySnapshot(
        layout,
        staged.data(),
        staged.checksum(),
        null,
        staged.meta(),
        stop,
        staged.signature(),
        null,
        pending,
        new Staged(null, null, null, null),
        nodes,
        index);
  }

  /** Whether a stop is set and has not expired by {@code now} ({@code stop --for}). */
  public boolean stopActive(Instant now) {
    return stop != null && !stopExpired(now);
  }

  /**
   * Whether a stop is set but its {@code --for} has run out: in and out proceed, status says so.
   */
  public boolean stopExpired(Instant now) {
    return stop != null && Freeze.expired(new String(stop.value(), StandardCharsets.UTF_8), now);
  }

  /** The stop reason; an empty stop value still stops. */
  public String stopReason() {
    if (stop == null) {
      return null;
    }
    String r = new String(stop.value(), StandardCharsets.UTF_8).strip();
    return r.isEmpty() ? "(no reason given)" : r;
  }

  /** The data as a version, with the published checksum; null when nothing is published. */
  public Version current() {
    return data == null ? null : new Version(data.value(), data.flags(), checksumText());
  }

  public Meta parsedMeta() {
    return meta == null ? null : Meta.parse(meta.value());
  }

  /**
   * Meta when it describes the current version (it names the published checksum), else null: meta a
   * hand edit or Go kvexpress left behind says nothing about what is published now.
   */
  public Meta currentMeta() {
    Meta m = parsedMeta();
    String current = checksumText();
    return m != null && current != null && current.equals(m.checksum()) ? m : null;
  }

  /** The commits that led to the current version ({@link Lineage}). */
  public Lineage lineage() {
    return Lineage.of(currentMeta(), data == null ? 0 : data.modifyIndex());
  }

  /** The name of the current version for a commit guarded on it ({@link Lineage#anchor}). */
  public String anchor() {
    return Lineage.anchor(currentMeta(), data == null ? 0 : data.modifyIndex());
  }
}
