package org.kvexpress.kv;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Reason;

/**
 * The narrow port through which kvexpress talks to Consul's KV store. Every method retries
 * transient failures within the configured bound and otherwise throws a FAILURE or REFUSED {@link
 * org.kvexpress.core.KvexpressException} whose message names the address and the cause.
 */
public interface KvStore extends AutoCloseable {
  /** One key, or empty when it does not exist. */
  Optional<KvEntry> get(String key);

  /**
   * Every key under a prefix (a raw string prefix, as Consul's recurse) with the listing's index.
   */
  KvListing list(String prefix);

  /**
   * The names of every key under a prefix, without their values (Consul's {@code ?keys}): what
   * garbage collection needs of a folder of chunks. Keys the token may not read are left out, as by
   * Consul.
   */
  List<String> keys(String prefix);

  /**
   * A blocking read of one key, or of a prefix with {@code recurse}: returns when its index moves
   * past {@code index} or {@code wait} ends. With {@code index} 0 it answers at once.
   */
  KvListing watch(String keyOrPrefix, boolean recurse, long index, Duration wait);

  /**
   * The index for the next blocking query after an answer at {@code answered}: 0 (start over with
   * an immediate read) when it went backwards from {@code previous} (an agent restarted empty, a
   * snapshot was restored), else at least 1, as Consul's blocking-query guide asks of every client.
   */
  static long nextIndex(long previous, long answered) {
    return answered < previous ? 0 : Math.max(1, answered);
  }

  /**
   * Several exact keys in one read-only transaction: one request instead of one per key, and,
   * unlike listing their folder, nothing else that lives there. Missing keys are simply absent
   * (get-tree, not get, which would fail the whole transaction); results are filtered to the exact
   * names. Index is 0.
   */
  default KvListing getAll(List<String> keys) {
    return getAll(keys, false);
  }

  /**
   * {@link #getAll(List)}, with {@code consistent} read through the leader after it confirms it
   * still leads (Consul's {@code ?consistent}): what a writer uses to learn the outcome of a write
   * whose answer was lost, since a deposed leader could otherwise answer from before that write.
   */
  default KvListing getAll(List<String> keys, boolean consistent) {
    TxnResult r = txn(keys.stream().map(TxnOp::getTree).toList(), consistent);
    if (!r.committed()) {
      throw KvexpressException.because(
          Reason.CONSUL_ERROR,
          "Consul at "
              + address()
              + " failed a read-only transaction: "
              + (r.errors().isEmpty() ? "?" : r.errors().get(0).what()));
    }
    Set<String> wanted = Set.copyOf(keys);
    return new KvListing(r.results().stream().filter(e -> wanted.contains(e.key())).toList(), 0);
  }

  /**
   * Whether each key exists, in one read-only transaction of check-index operations that cannot
   * match (every one fails, and Consul lists every failure): "doesn't exist" is an absent key, any
   * other failure a present one. Consul checks key:read on each before running any, so a key the
   * token may not read fails the call naming it, present or not, as a single-key GET would (403).
   */
  default Map<String, Boolean> exist(List<String> keys) {
    List<TxnOp> checks = keys.stream().map(k -> TxnOp.checkIndex(k, -1L)).toList();
    TxnResult r = txn(checks);
    Map<String, Boolean> exists = new HashMap<>();
    keys.forEach(k -> exists.put(k, true));
    for (TxnResult.TxnError e : r.errors()) {
      if (e.opIndex() < keys.size() && e.what().contains("doesn't exist")) {
        exists.put(keys.get(e.opIndex()), false);
      }
    }
    return exists;
  }

  /** Ends every blocking {@link #watch} in flight at once (they fail); later watches work again. */
  default void abortWatches() {}

  /** Plain write. */
  void put(String key, byte[] value, long flags);

  /** Deletes one key; deleting a missing key succeeds. */
  void delete(String key);

  /**
   * Runs the operations atomically: all of them or none. A write whose every try failed without an
   * answer throws {@link Reason#UNREACHABLE} when no try can have reached Consul, and {@link
   * Reason#UNCONFIRMED} when one may have: it may have been applied (or may still be), and only a
   * read can tell.
   */
  default TxnResult txn(List<TxnOp> ops) {
    return txn(ops, false);
  }

  /**
   * {@link #txn(List)}; {@code consistent} applies to a read-only transaction (Consul's {@code
   * ?consistent}).
   */
  TxnResult txn(List<TxnOp> ops, boolean consistent);

  /** How many times requests were retried so far (for metrics). */
  default long retries() {
    return 0;
  }

  /** The address requests go to, for messages; never contains credentials. */
  String address();

  @Override
  void close();
}
