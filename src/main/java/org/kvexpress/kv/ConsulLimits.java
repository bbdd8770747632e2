package org.kvexpress.kv;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Consul's default size limits (Consul's KV write API; Consul's /v1/txn API), which kvexpress
 * checks before writing anything.
 */
public final class ConsulLimits {
  /** {@code limits.kv_max_value_size}: the largest value, inclusive. */
  public static final int MAX_VALUE_BYTES = 524_288;

  /**
   * max({@code txn_max_req_len}, kv_max_value_size): the largest /v1/txn body, JSON text and base64
   * included.
   */
  public static final int MAX_TXN_BYTES = 524_288;

  /** Operations per transaction in Consul 1.8 to 1.13 (1.14 raised it to 128): never send more. */
  public static final int MAX_TXN_OPS = 64;

  private ConsulLimits() {}

  /** The size of the /v1/txn body these operations encode to. */
  public static int txnBytes(List<TxnOp> ops) {
    return TxnCodec.encode(ops).getBytes(StandardCharsets.UTF_8).length;
  }

  /**
   * {@link #txnBytes} of a body that is {@code bytesBefore} long (0: no operations yet) with {@code
   * op} added: the body is a JSON array, so one more element adds its own encoding and a comma.
   * Lets a batch grow one operation at a time without encoding everything in it again.
   */
  public static int txnBytesPlus(int bytesBefore, TxnOp op) {
    int alone = txnBytes(List.of(op)); // "[" + op + "]"
    return bytesBefore == 0 ? alone : bytesBefore + alone - 1;
  }
}
