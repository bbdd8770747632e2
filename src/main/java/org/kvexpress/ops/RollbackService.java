package org.kvexpress.ops;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.kvexpress.core.Canonicalizer;
import org.kvexpress.core.Checksum;
import org.kvexpress.core.Encoding;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Meta;
import org.kvexpress.core.Reason;
import org.kvexpress.core.Version;
import org.kvexpress.kv.KvStore;
import org.kvexpress.sign.SigningKey;
import org.kvexpress.version.Committed;
import org.kvexpress.version.KeySnapshot;
import org.kvexpress.version.Proposal;
import org.kvexpress.version.Rules;
import org.kvexpress.version.Stored;
import org.kvexpress.version.VersionReader;
import org.kvexpress.version.VersionStore;

/**
 * {@code rollback}: makes {@code last} current and the current version {@code last}, in one
 * transaction guarded on all three keys, after proving last is what meta says it is. It works while
 * the key is stopped, since freezing the fleet and then rolling back is the usual drill.
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

  /**
   * Rolls back; {@code signKey} (null: keep last's own signature, if any) signs last anew with the
   * current time, which nodes running {@code out --no-older} need to accept a version published
   * before theirs.
   */
  public Result rollback(KeyLayout layout, SigningKey signKey) throws InterruptedException {
    VersionStore versions = new VersionStore(store, clock, hostname);
    KeySnapshot s = versions.read(layout);
    if (s.data() == null || s.last() == null) {
      throw KvexpressException.because(
          Reason.NOTHING_TO_ROLL_BACK,
          "nothing to roll back: "
              + layout.dir()
              + (s.data() == null ? " has no data" : " has no last version"));
    }
    Meta meta = s.currentMeta();
    String current = s.checksumText();
    if (meta == null || meta.lastChecksum() == null) {
      throw KvexpressException.because(
          Reason.UNVERIFIABLE,
          "cannot verify "
              + layout.last()
              + ": "
              + layout.meta()
              + " does not describe the current version; republish the version you want with kvexpress in");
    }
    Version last = new Version(s.last().value(), s.last().flags(), meta.lastChecksum());
    byte[] lastPlain =
        VersionReader.of(store)
            .verified(
                layout,
                s.last(),
                meta.lastChecksum(),
                Encoding.MAX_DECODED_BYTES,
                layout.last(),
                layout.meta(),
                "refusing to roll back to it");
    int lines = Canonicalizer.countLines(lastPlain);
    Instant now = Instant.now(clock).truncatedTo(ChronoUnit.MILLIS);
    byte[] signature =
        signKey != null
            ? signKey
                .sign(layout, last.checksum(), now.toString(), SigningKey.publisher(hostname))
                .toJson()
            : s.lastSignature() == null ? null : s.lastSignature().value();
    if (last.checksum().equals(current)) {
      throw KvexpressException.because(
          Reason.NOTHING_TO_ROLL_BACK, "nothing to roll back: last is the current version");
    }
    Proposal proposal =
        Proposal.of(
            Stored.inPlace(last),
            lines,
            lastPlain.length,
            "rollback from " + Checksum.shortForm(current),
            signature);
    Committed c = versions.commit(layout, s, seen -> proposal, Rules.rollback(layout));
    return new Result(current, last.checksum(), lines, c.index());
  }
}
