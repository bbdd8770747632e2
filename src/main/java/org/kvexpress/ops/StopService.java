package org.kvexpress.ops;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.kvexpress.core.Freeze;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Reason;
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

  /**
   * Sets the stop unless one is set already, in which case the existing one (and its reason) stays.
   * With {@code freeze}, its end goes beside it in the same transaction ({@link Freeze}); without,
   * any end left from an earlier stop goes.
   */
  public Result stop(KeyLayout layout, String value, Freeze freeze) {
    TxnResult r =
        store.txn(
            List.of(
                TxnOp.checkNotExists(layout.stop()),
                TxnOp.set(layout.stop(), value.getBytes(StandardCharsets.UTF_8), 0),
                freeze == null
                    ? TxnOp.delete(layout.stopUntil())
                    : TxnOp.set(layout.stopUntil(), freeze.toJson(), 0)));
    if (r.committed()) {
      return new Result(true, value);
    }
    return new Result(false, current(layout).orElse(value));
  }

  /**
   * Removes the stop; when there is none, says so and changes nothing. The delete is conditional on
   * the stop as read, so a stop set again meanwhile (with a new reason) is read and removed in
   * turn, never reported as "not stopped" while it is still there.
   */
  public Result resume(KeyLayout layout) {
    for (int attempt = 0; attempt < 5; attempt++) {
      Optional<KvEntry> stop = store.get(layout.stop());
      if (stop.isEmpty()) {
        return new Result(false, null);
      }
      TxnResult r =
          store.txn(
              List.of(
                  TxnOp.deleteCas(layout.stop(), stop.get().modifyIndex()),
                  TxnOp.delete(layout.stopUntil())));
      if (r.committed()) {
        return new Result(true, new String(stop.get().value(), StandardCharsets.UTF_8));
      }
    }
    throw KvexpressException.because(
        Reason.CONFLICT,
        layout.stop() + " keeps changing while resuming; it is still " + "set: run resume again");
  }

  private Optional<String> current(KeyLayout layout) {
    return store.get(layout.stop()).map(e -> new String(e.value(), StandardCharsets.UTF_8));
  }
}
