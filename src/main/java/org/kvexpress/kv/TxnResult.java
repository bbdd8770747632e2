package org.kvexpress.kv;

import java.util.List;

/**
 * The answer to a transaction: committed with its results, or rolled back with every failing op.
 */
public record TxnResult(boolean committed, List<KvEntry> results, List<TxnError> errors) {
  /** One failed operation, as Consul reports it in a 409. */
  public record TxnError(int opIndex, String what) {}

  public TxnResult {
    results = results == null ? List.of() : List.copyOf(results);
    errors = errors == null ? List.of() : List.copyOf(errors);
  }
}
