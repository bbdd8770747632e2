package org.kvexpress.version;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.kvexpress.core.Encoding;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Manifest;
import org.kvexpress.core.PendingChunks;
import org.kvexpress.core.Reason;
import org.kvexpress.kv.ConsulLimits;
import org.kvexpress.kv.KvEntry;
import org.kvexpress.kv.KvStore;
import org.kvexpress.kv.TxnOp;
import org.kvexpress.kv.TxnResult;
import org.kvexpress.version.KeySnapshot.Part;

/**
 * The chunks of versions too large for one Consul value: immutable, named by the SHA-256 of their
 * plain bytes, under {@code <prefix>/<key>/chunks/}. A publisher {@link #stage registers} in the
 * key's pending registry, then writes the chunks that are not there yet; {@link
 * VersionStore#commit} switches data to the manifest, and then the publisher {@link #release
 * releases} its registration (data names the chunks by then). {@link #collect} removes chunks that
 * neither data, last nor a live registration names, in transactions guarded on the registry's,
 * data's and last's indexes, so a chunk a publisher registered, or a version committed, after the
 * collector looked is never removed. A registration lives {@link PendingChunks#STALE_AFTER}; a
 * publisher that has not committed by then gives up ({@link VersionStore}).
 */
public final class ChunkStore {
  /** Chunk reads or writes at once (the HTTP pool holds 8 connections). */
  private static final int READERS = 4;

  /** Room left in a chunk transaction for the guards garbage collection adds. */
  private static final int DELETES_PER_TXN = ConsulLimits.MAX_TXN_OPS - 5;

  private final KvStore store;

  public ChunkStore(KvStore store) {
    this.store = store;
  }

  /**
   * A staged publish: the registration's id and time, how many chunks were written (the others were
   * there already) and their bytes as stored.
   */
  public record Staged(String id, Instant at, int written, long storedBytes) {}

  /** Registers a publish of these chunks and writes those the key does not hold yet. */
  public Staged stage(
      KeyLayout layout,
      Manifest manifest,
      List<byte[]> parts,
      Encoding encoding,
      String host,
      Instant now) {
    String id = UUID.randomUUID().toString();
    register(layout, new PendingChunks.Entry(id, host, now.toString(), manifest.names()), now);
    // Listed after registering: a collector that saw a chunk unreferenced before our registration
    // fails its guard on the registry, so a chunk present now stays present until our commit.
    Set<String> present = new HashSet<>();
    for (String k : store.keys(layout.chunksDir())) {
      present.add(k.substring(layout.chunksDir().length()));
    }
    List<List<TxnOp>> batches = new ArrayList<>();
    List<TxnOp> batch = new ArrayList<>();
    int batchBytes = 0;
    int written = 0;
    long stored = 0;
    for (int i = 0; i < parts.size(); i++) {
      String name = manifest.chunks().get(i).sha256();
      if (!present.add(name)) {
        continue;
      }
      TxnOp op = TxnOp.set(layout.chunk(name), encoding.encode(parts.get(i)), encoding.flags());
      int grownBytes = ConsulLimits.txnBytesPlus(batchBytes, op);
      if (!batch.isEmpty()
          && (batch.size() + 1 > ConsulLimits.MAX_TXN_OPS
              || grownBytes > ConsulLimits.MAX_TXN_BYTES)) {
        batches.add(batch);
        batch = new ArrayList<>();
        grownBytes = ConsulLimits.txnBytesPlus(0, op);
      }
      batch.add(op);
      batchBytes = grownBytes;
      written++;
      stored += op.value().length;
    }
    if (!batch.isEmpty()) {
      batches.add(batch);
    }
    // Chunks are immutable and each transaction stands alone, so several may be in flight: the
    // publish waits for Raft once per round of transactions, not once per chunk.
    try {
      inParallel(
          batches.stream()
              .<Callable<Void>>map(
                  b ->
                      () -> {
                        write(b);
                        return null;
                      })
              .toList(),
          "writing chunks under " + layout.chunksDir());
    } catch (RuntimeException e) {
      release(layout, id); // its chunks are garbage now; the next publish collects them
      throw e;
    }
    return new Staged(id, now, written, stored);
  }

  /**
   * Runs the tasks at most {@link #READERS} at a time; the first failure is rethrown as it was
   * thrown.
   */
  private static <T> List<T> inParallel(List<Callable<T>> tasks, String what) {
    List<T> results = new ArrayList<>();
    if (tasks.size() <= 1) {
      for (Callable<T> t : tasks) {
        results.add(call(t));
      }
      return results;
    }
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.min(READERS, tasks.size()),
            r -> {
              Thread t = new Thread(r, "kvexpress-chunks");
              t.setDaemon(true);
              return t;
            });
    try {
      List<Future<T>> futures = new ArrayList<>();
      tasks.forEach(t -> futures.add(pool.submit(t)));
      for (Future<T> f : futures) {
        results.add(f.get());
      }
      return results;
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r
          ? r
          : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw KvexpressException.because(Reason.INTERRUPTED, "interrupted while " + what);
    } finally {
      pool.shutdownNow();
    }
  }

  private static <T> T call(Callable<T> task) {
    try {
      return task.call();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private void write(List<TxnOp> sets) {
    TxnResult r = store.txn(sets);
    if (!r.committed()) {
      throw KvexpressException.because(
          Reason.CONSUL_ERROR,
          "Consul refused to store chunks under "
              + sets.get(0).key().substring(0, sets.get(0).key().lastIndexOf('/') + 1)
              + ": "
              + (r.errors().isEmpty() ? "?" : r.errors().get(0).what()));
    }
  }

  private void register(KeyLayout layout, PendingChunks.Entry entry, Instant now) {
    if (!updateRegistry(layout, p -> p.live(now).with(entry))) {
      throw KvexpressException.because(
          Reason.CONFLICT, "other publishers keep changing " + layout.pending() + "; try again");
    }
  }

  /**
   * Changes the pending registry by compare-and-set, reading it again after a conflict; {@code
   * change} gives null when there is nothing to change. False when other publishers kept changing
   * it first.
   */
  private boolean updateRegistry(KeyLayout layout, UnaryOperator<PendingChunks> change) {
    for (int attempt = 1; attempt <= 20; attempt++) {
      if (attempt > 1) {
        pause(attempt);
      }
      KvEntry seen = store.get(layout.pending()).orElse(null);
      PendingChunks next = change.apply(PendingChunks.parse(seen == null ? null : seen.value()));
      if (next == null
          || store
              .txn(
                  List.of(
                      TxnOp.unchangedSince(layout.pending(), seen),
                      TxnOp.set(layout.pending(), next.toJson(), 0)))
              .committed()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Removes a registration: after the commit (data names the chunks now), or when the publish did
   * not commit, so that its chunks can be collected. Best effort: a registration left behind goes
   * stale.
   */
  public void release(KeyLayout layout, String id) {
    try {
      updateRegistry(layout, p -> p.has(id) ? p.without(id) : null);
    } catch (KvexpressException e) {
      // It goes stale after PendingChunks.STALE_AFTER and is collected then.
    }
  }

  /**
   * A short random pause between attempts at the registry, so concurrent publishers do not collide
   * again.
   */
  private static void pause(int attempt) {
    try {
      Thread.sleep(ThreadLocalRandom.current().nextLong(5, 10L + 10L * attempt));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw KvexpressException.because(Reason.INTERRUPTED, "interrupted while registering chunks");
    }
  }

  /**
   * Reads a manifest's chunks and returns the verified content: each chunk decoded (bounded by its
   * size), hashed and compared with its name, the whole with the manifest's checksum. {@code
   * lookup} finds a chunk key (a GET, or a listing already read); a missing chunk is refused as
   * {@link Reason#CHUNK_MISSING}, which a reader answers by reading the manifest again (a newer
   * publish may have collected it).
   */
  public static byte[] content(
      KeyLayout layout, Manifest m, String what, Function<String, Optional<KvEntry>> lookup) {
    Map<String, Manifest.Chunk> distinct = new LinkedHashMap<>();
    m.chunks().forEach(c -> distinct.putIfAbsent(c.sha256(), c));
    // A few reads at once: a 20 MB version is 80 chunks, and each GET mostly waits for Consul.
    List<byte[]> plain =
        inParallel(
            distinct.values().stream()
                .<Callable<byte[]>>map(
                    c ->
                        () -> {
                          KvEntry e =
                              lookup
                                  .apply(layout.chunk(c.sha256()))
                                  .orElseThrow(
                                      () ->
                                          KvexpressException.because(
                                              Reason.CHUNK_MISSING,
                                              what
                                                  + ": chunk "
                                                  + layout.chunk(c.sha256())
                                                  + " is missing"));
                          return Encoding.fromFlags(e.flags()).decode(e.value(), c.bytes());
                        })
                .toList(),
            "reading the chunks of " + what);
    Map<String, byte[]> read = new HashMap<>();
    int i = 0;
    for (String name : distinct.keySet()) {
      read.put(name, plain.get(i++));
    }
    List<byte[]> parts = new ArrayList<>(m.chunks().size());
    m.chunks().forEach(c -> parts.add(read.get(c.sha256())));
    return m.assemble(parts, what);
  }

  /**
   * Removes the key's chunks that no version needs: not named by data's, last's or the staged
   * version's manifest (nor {@code alsoKeep}), nor by a live registration. Returns how many it
   * removed; it stops early, removing nothing more, when a publish changes the key meanwhile (the
   * next publish collects).
   */
  public int collect(KeyLayout layout, Instant now, Set<String> alsoKeep) {
    KeySnapshot s = KeySnapshot.read(store, layout);
    Set<String> keep = new HashSet<>(alsoKeep);
    try {
      keep.addAll(namesOf(s.asRead(Part.DATA)));
      keep.addAll(namesOf(s.asRead(Part.LAST)));
      keep.addAll(namesOf(s.asRead(Part.STAGED_DATA)));
    } catch (KvexpressException unreadableManifest) {
      return 0; // never guess which chunks a version it cannot read needs
    }
    // As read: the delete transactions below are guarded on all of these, so a filtered read fails
    // them.
    KvEntry registry = s.asRead(Part.PENDING);
    PendingChunks pending = PendingChunks.parse(registry == null ? null : registry.value());
    keep.addAll(pending.protectedChunks(now));
    List<String> garbage = new ArrayList<>();
    for (String k : store.keys(layout.chunksDir())) {
      if (!keep.contains(k.substring(layout.chunksDir().length()))) {
        garbage.add(k);
      }
    }
    if (registry != null && pending.live(now).publishes().size() < pending.publishes().size()) {
      // Drop the registrations of publishers that died; their chunks are in garbage already.
      TxnResult r =
          store.txn(
              List.of(
                  TxnOp.checkIndex(layout.pending(), registry.modifyIndex()),
                  TxnOp.set(layout.pending(), pending.live(now).toJson(), 0)));
      if (!r.committed()) {
        return 0;
      }
      registry = store.get(layout.pending()).orElse(null);
    }
    List<TxnOp> guards =
        List.of(
            TxnOp.unchangedSince(layout.pending(), registry),
            TxnOp.unchangedSince(layout.data(), s.asRead(Part.DATA)),
            TxnOp.unchangedSince(layout.last(), s.asRead(Part.LAST)),
            TxnOp.unchangedSince(layout.stagedData(), s.asRead(Part.STAGED_DATA)));
    int removed = 0;
    for (int from = 0; from < garbage.size(); from += DELETES_PER_TXN) {
      List<String> deletes =
          garbage.subList(from, Math.min(garbage.size(), from + DELETES_PER_TXN));
      List<TxnOp> ops = new ArrayList<>(guards);
      deletes.forEach(k -> ops.add(TxnOp.delete(k)));
      if (!store.txn(ops).committed()) {
        break;
      }
      removed += deletes.size();
    }
    return removed;
  }

  /** The chunk names a stored version needs: a manifest's chunks, nothing for a single value. */
  static Set<String> namesOf(KvEntry version) {
    if (version == null || version.flags() != Manifest.FLAGS) {
      return Set.of();
    }
    return new HashSet<>(Manifest.parse(version.value(), version.key()).names());
  }
}
