package org.kvexpress.ops;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.kvexpress.core.Canonicalizer;
import org.kvexpress.core.Encoding;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Meta;
import org.kvexpress.core.Reason;
import org.kvexpress.core.Version;
import org.kvexpress.kv.KeySnapshot;
import org.kvexpress.kv.KvEntry;
import org.kvexpress.kv.KvStore;
import org.kvexpress.kv.VersionStore;

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

  public Result copy(KeyLayout from, KeyLayout to) throws InterruptedException {
    VersionStore versions = new VersionStore(store);
    Source first = verified(from, versions.read(from));
    KeySnapshot dst = versions.read(to);
    if (dst.stop() != null) {
      throw KvexpressException.halted(Reason.STOP_KEY, "stop key " + to.stop() + " is set: " + dst.stopReason());
    }
    if (first.version().checksum().equals(dst.checksumText())) {
      return new Result(false, first.version().checksum(), first.lines(), dst.data().modifyIndex());
    }
    // After a conflict the source is read again: the copy is of the source as it is when it commits.
    VersionStore.Committed c = versions.commit(to, dst,
        seen -> draft(from, seen == dst ? first : verified(from, versions.read(from))),
        VersionStore.Rules.publish(from.dir() + " or " + to.dir() + " keep changing; run the copy again"));
    Meta copied = c.draft().meta();
    return new Result(c.outcome() == VersionStore.Outcome.COMMITTED, copied.checksum(), copied.lines(), c.index());
  }

  private VersionStore.Draft draft(KeyLayout from, Source src) {
    Meta meta = new Meta(src.version().checksum(), src.lines(), src.bytes(), src.version().encoding().label(),
        hostname, Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString(), "copy of " + from.key(), null, null);
    return new VersionStore.Draft(src.version(), meta, src.readFrom());
  }

  /** The source's current version, proven by its checksum, and the entries the copy is guarded on. */
  private record Source(Version version, int lines, long bytes, List<KvEntry> readFrom) {}

  private Source verified(KeyLayout from, KeySnapshot src) {
    if (src.data() == null || src.checksumText() == null) {
      store.confirmAbsent(src.data() == null ? from.data() : from.checksum());
      throw KvexpressException.refused(Reason.NOTHING_PUBLISHED, "nothing to copy: " + from.dir()
          + " has no data or no checksum");
    }
    Version v = new Version(src.data().value(), src.data().flags(), src.checksumText());
    byte[] plain = v.verifiedContent(Encoding.MAX_DECODED_BYTES, from.data(), from.checksum()
        + "; refusing to copy a version that does not verify");
    return new Source(v, Canonicalizer.countLines(plain), plain.length, List.of(src.data(), src.checksum()));
  }
}
