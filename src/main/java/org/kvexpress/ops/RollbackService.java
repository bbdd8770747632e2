package org.kvexpress.ops;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
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
 * {@code rollback}: makes {@code last} current and the current version {@code last}, in one transaction
 * guarded on all three keys, after proving last is what meta says it is. It works while the key is
 * stopped, since freezing the fleet and then rolling back is the usual drill.
 */
public final class RollbackService {
  /** What a rollback did: from which checksum to which, and the new data's index. */
  public record Result(String from, String to, int lines, long index) {}

  private final KvStore store;
  private final Clock clock;
  private final String hostname;

  public RollbackService(KvStore store, Clock clock, String hostname) {
    this.store = store;
    this.clock = clock;
    this.hostname = hostname;
  }

  public Result rollback(KeyLayout layout) {
    KeySnapshot s = KeySnapshot.read(store, layout);
    if (s.data() == null || s.last() == null) {
      store.confirmAbsent(s.data() == null ? layout.data() : layout.last());
      throw KvexpressException.refused("nothing_to_roll_back", "nothing to roll back: " + layout.dir()
          + (s.data() == null ? " has no data" : " has no last version"));
    }
    Meta meta = s.parsedMeta();
    String current = s.checksumText();
    if (meta == null || meta.lastChecksum() == null || !current.equals(meta.checksum())) {
      throw KvexpressException.refused("unverifiable", "cannot verify " + layout.last() + ": " + layout.meta()
          + " does not describe the current version; republish the version you want with kvexpress in");
    }
    Encoding lastEncoding = Encoding.fromFlags(s.last().flags());
    byte[] lastPlain = lastEncoding.decode(s.last().value(), Encoding.MAX_DECODED_BYTES);
    String lastChecksum = Checksum.sha256Hex(lastPlain);
    if (!lastChecksum.equals(meta.lastChecksum())) {
      throw KvexpressException.refused("checksum_mismatch", layout.last() + " has checksum "
          + Checksum.shortForm(lastChecksum) + " but meta says " + Checksum.shortForm(meta.lastChecksum())
          + "; refusing to roll back to it");
    }
    if (lastChecksum.equals(current)) {
      throw KvexpressException.refused("nothing_to_roll_back", "nothing to roll back: last is the current version");
    }
    Meta rolled = new Meta(lastChecksum, Canonicalizer.countLines(lastPlain), lastPlain.length, lastEncoding.label(),
        hostname, Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString(),
        "rollback from " + Checksum.shortForm(current), current, UUID.randomUUID().toString());
    List<TxnOp> ops = List.of(
        TxnOp.checkIndex(layout.data(), s.data().modifyIndex()),
        TxnOp.checkIndex(layout.checksum(), s.checksum().modifyIndex()),
        TxnOp.checkIndex(layout.last(), s.last().modifyIndex()),
        TxnOp.set(layout.data(), s.last().value(), s.last().flags()),
        TxnOp.set(layout.checksum(), lastChecksum.getBytes(StandardCharsets.US_ASCII), 0),
        TxnOp.set(layout.last(), s.data().value(), s.data().flags()),
        TxnOp.set(layout.meta(), rolled.toJson(), 0));
    if (ConsulLimits.txnBytes(ops) > ConsulLimits.MAX_TXN_BYTES) {
      throw KvexpressException.refused("too_large", "current and last together exceed one Consul transaction ("
          + ConsulLimits.MAX_TXN_BYTES + " bytes), so they cannot be swapped atomically; republish the old version "
          + "with kvexpress in (with --compress if needed)");
    }
    TxnResult r = store.txn(ops);
    if (!r.committed() && KeySnapshot.read(store, layout).writtenBy(rolled.id())) {
      // Our transaction committed but its answer was lost; the retry then conflicted with ourselves.
      return new Result(current, lastChecksum, rolled.lines(), 0);
    }
    if (!r.committed()) {
      throw KvexpressException.failure("conflict", layout.dir() + " changed while rolling back; look at "
          + "'kvexpress status -k " + layout.key() + "' and run rollback again if it is still wanted");
    }
    long index = r.results().stream().filter(e -> e.key().equals(layout.data())).mapToLong(e -> e.modifyIndex())
        .max().orElse(0);
    return new Result(current, lastChecksum, rolled.lines(), index);
  }
}
