package org.kvexpress.ops;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.kvexpress.core.Canonicalizer;
import org.kvexpress.core.Checksum;
import org.kvexpress.core.Encoding;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Meta;
import org.kvexpress.kv.ConsulLimits;
import org.kvexpress.kv.KeySnapshot;
import org.kvexpress.kv.KvStore;
import org.kvexpress.kv.TxnOp;
import org.kvexpress.kv.TxnResult;

/**
 * {@code copy}: publishes a verified source key's current version under another key, in one transaction
 * guarded on both keys; the destination's current version becomes its {@code last}, as with {@code in}.
 */
public final class CopyService {
  /** What a copy did; {@code copied} false means the destination already held this version. */
  public record Result(boolean copied, String checksum, int lines, long index) {}

  private final KvStore store;
  private final Clock clock;
  private final String hostname;

  public CopyService(KvStore store, Clock clock, String hostname) {
    this.store = store;
    this.clock = clock;
    this.hostname = hostname;
  }

  public Result copy(KeyLayout from, KeyLayout to) {
    KeySnapshot src = KeySnapshot.read(store, from);
    if (src.data() == null || src.checksumText() == null) {
      store.confirmAbsent(src.data() == null ? from.data() : from.checksum());
      throw KvexpressException.refused("nothing_published", "nothing to copy: " + from.dir()
          + " has no data or no checksum");
    }
    byte[] plain = Encoding.fromFlags(src.data().flags()).decode(src.data().value(), Encoding.MAX_DECODED_BYTES);
    String checksum = Checksum.sha256Hex(plain);
    if (!checksum.equals(src.checksumText())) {
      throw KvexpressException.refused("checksum_mismatch", from.data() + " does not match " + from.checksum()
          + "; refusing to copy a version that does not verify");
    }
    KeySnapshot dst = KeySnapshot.read(store, to);
    if (dst.stop() != null) {
      throw KvexpressException.halted("stop_key", "stop key " + to.stop() + " is set: " + dst.stopReason());
    }
    int lines = Canonicalizer.countLines(plain);
    if (checksum.equals(dst.checksumText())) {
      return new Result(false, checksum, lines, dst.data() == null ? 0 : dst.data().modifyIndex());
    }
    Meta meta = new Meta(checksum, lines, plain.length, Encoding.fromFlags(src.data().flags()).label(), hostname,
        Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString(), "copy of " + from.key(), dst.checksumText(),
        UUID.randomUUID().toString());
    List<TxnOp> ops = new ArrayList<>(List.of(
        TxnOp.checkIndex(from.data(), src.data().modifyIndex()),
        TxnOp.checkIndex(from.checksum(), src.checksum().modifyIndex()),
        TxnOp.unchangedSince(to.data(), dst.data()),
        TxnOp.unchangedSince(to.checksum(), dst.checksum()),
        TxnOp.checkNotExists(to.stop())));
    if (dst.data() != null) {
      ops.add(TxnOp.set(to.last(), dst.data().value(), dst.data().flags()));
    }
    ops.add(TxnOp.set(to.data(), src.data().value(), src.data().flags()));
    ops.add(TxnOp.set(to.checksum(), checksum.getBytes(StandardCharsets.US_ASCII), 0));
    ops.add(TxnOp.set(to.meta(), meta.toJson(), 0));
    if (ConsulLimits.txnBytes(ops) > ConsulLimits.MAX_TXN_BYTES) {
      throw KvexpressException.refused("too_large", "the copy and the destination's last version together exceed "
          + "one Consul transaction; publish the destination with kvexpress in instead");
    }
    TxnResult r = store.txn(ops);
    if (!r.committed() && KeySnapshot.read(store, to).writtenBy(meta.id())) {
      // Our transaction committed but its answer was lost; the retry then conflicted with ourselves.
      return new Result(true, checksum, lines, 0);
    }
    if (!r.committed()) {
      throw KvexpressException.failure("conflict", "source or destination changed during the copy; run it again");
    }
    long index = r.results().stream().filter(e -> e.key().equals(to.data())).mapToLong(e -> e.modifyIndex())
        .max().orElse(0);
    return new Result(true, checksum, lines, index);
  }
}
