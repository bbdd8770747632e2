package org.kvexpress.kv;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The narrow port through which kvexpress talks to Consul's KV store. Every method retries transient
 * failures within the configured bound and otherwise throws a FAILURE or REFUSED
 * {@link org.kvexpress.core.KvexpressException} whose message names the address and the cause.
 */
public interface KvStore extends AutoCloseable {
  /** One key, or empty when it does not exist. */
  Optional<KvEntry> get(String key);

  /** Every key under a prefix (a raw string prefix, as Consul's recurse) with the listing's index. */
  KvListing list(String prefix);

  /**
   * A blocking read of one key, or of a prefix with {@code recurse}: returns when its index moves past
   * {@code index} or {@code wait} ends. With {@code index} 0 it answers at once.
   */
  KvListing watch(String keyOrPrefix, boolean recurse, long index, Duration wait);

  /** Plain write. */
  void put(String key, byte[] value, long flags);

  /** Deletes one key; deleting a missing key succeeds. */
  void delete(String key);

  /** Runs the operations atomically: all of them or none. */
  TxnResult txn(List<TxnOp> ops);

  /** How many times requests were retried so far (for metrics). */
  default long retries() {
    return 0;
  }

  /** The address requests go to, for messages; never contains credentials. */
  String address();

  @Override
  void close();
}
