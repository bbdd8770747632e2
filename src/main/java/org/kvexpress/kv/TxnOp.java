package org.kvexpress.kv;

/** One operation of a /v1/txn request (Consul's /v1/txn API). */
public record TxnOp(String verb, String key, byte[] value, long flags, long index) {

  public static TxnOp set(String key, byte[] value, long flags) {
    return new TxnOp("set", key, value, flags, 0);
  }

  public static TxnOp checkIndex(String key, long index) {
    return new TxnOp("check-index", key, null, 0, index);
  }

  public static TxnOp checkNotExists(String key) {
    return new TxnOp("check-not-exists", key, null, 0, 0);
  }

  /** Deletes a key; a missing key is no error. */
  public static TxnOp delete(String key) {
    return new TxnOp("delete", key, null, 0, 0);
  }

  public static TxnOp deleteCas(String key, long index) {
    return new TxnOp("delete-cas", key, null, 0, index);
  }

  /** Every key under {@code prefix}; unlike get, a missing key is no error. */
  public static TxnOp getTree(String prefix) {
    return new TxnOp("get-tree", prefix, null, 0, 0);
  }

  /** Whether the op only reads (a transaction of these is not sent through Raft). */
  public boolean readOnly() {
    return verb.startsWith("get") || verb.startsWith("check-");
  }

  /**
   * The permission Consul checks for this op (Consul 1.8.7 as DifferentialIT measures it): reads
   * and index or session checks need key:read, every write and check-not-exists (authorised as a
   * write) key:write.
   */
  public String permission() {
    return verb.equals("get")
            || verb.equals("get-tree")
            || verb.equals("check-index")
            || verb.equals("check-session")
        ? "key:read"
        : "key:write";
  }

  /** Guards a key's state as read: unchanged if it existed, still absent if it did not. */
  public static TxnOp unchangedSince(String key, KvEntry seen) {
    return seen == null ? checkNotExists(key) : checkIndex(key, seen.modifyIndex());
  }
}
