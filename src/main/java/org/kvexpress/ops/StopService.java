package org.kvexpress.ops;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.kv.KvEntry;
import org.kvexpress.kv.KvStore;
import org.kvexpress.kv.TxnOp;
import org.kvexpress.kv.TxnResult;

/** {@code stop} and {@code resume}: set or remove a key's stop, each safe to run twice. */
public final class StopService {
  /** What a stop or resume did: {@code changed} false means it found the key already so. */
  public record Result(boolean changed, String value) {}

  private final KvStore store;

  public StopService(KvStore store) {
    this.store = store;
  }

  /** Sets the stop unless one is set already, in which case the existing one (and its reason) stays. */
  public Result stop(KeyLayout layout, String value) {
    TxnResult r = store.txn(List.of(TxnOp.checkNotExists(layout.stop()),
        TxnOp.set(layout.stop(), value.getBytes(StandardCharsets.UTF_8), 0)));
    if (r.committed()) {
      return new Result(true, value);
    }
    return new Result(false, current(layout).orElse(value));
  }

  /** Removes the stop; when there is none, says so and changes nothing. */
  public Result resume(KeyLayout layout) {
    Optional<KvEntry> stop = store.get(layout.stop());
    if (stop.isEmpty()) {
      return new Result(false, null);
    }
    TxnResult r = store.txn(List.of(TxnOp.deleteCas(layout.stop(), stop.get().modifyIndex())));
    String value = new String(stop.get().value(), StandardCharsets.UTF_8);
    return new Result(r.committed(), value);
  }

  private Optional<String> current(KeyLayout layout) {
    return store.get(layout.stop()).map(e -> new String(e.value(), StandardCharsets.UTF_8));
  }
}
