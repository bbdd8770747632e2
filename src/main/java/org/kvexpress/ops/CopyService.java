package org.kvexpress.ops;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import org.kvexpress.core.Canonicalizer;
import org.kvexpress.core.Encoding;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Manifest;
import org.kvexpress.core.Reason;
import org.kvexpress.core.Version;
import org.kvexpress.kv.KvEntry;
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
 * {@code copy}: publishes a verified source key's current version under another key, in one
 * transaction guarded on both keys; the destination's current version becomes its {@code last}, as
 * with {@code in}. A chunked version's chunks are staged under the destination first (each key owns
 * its chunks). A signature binds its key name, so a signed version is only copied when {@code
 * signKey} signs it for the destination.
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

  public Result copy(KeyLayout from, KeyLayout to, SigningKey signKey) throws InterruptedException {
    VersionStore versions = new VersionStore(store, clock, hostname);
    Source first = verified(from, versions.read(from), signKey);
    KeySnapshot dst = versions.read(to);
    // As read: the copy's commit is guarded on the destination's stop key.
    if (dst.stopActiveAsRead(clock.instant())) {
      throw VersionStore.halted(dst);
    }
    if (first.checksum().equals(dst.checksumText())) {
      return new Result(false, first.checksum(), first.lines(), dst.data().modifyIndex());
    }
    Instant now = Instant.now(clock).truncatedTo(ChronoUnit.MILLIS);
    byte[] signature =
        signKey == null
            ? null
            : signKey
                .sign(to, first.checksum(), now.toString(), SigningKey.publisher(hostname))
                .toJson();
    // After a conflict the source is read again: the copy is of the source as it is when it commits
    // (a chunked one only if it is still the version whose chunks were written).
    Committed c =
        versions.commit(
            to,
            dst,
            seen -> {
              Source src = seen == dst ? first : verified(from, versions.read(from), signKey);
              return new Proposal(
                  src.stored(),
                  src.lines(),
                  src.plain().length,
                  "copy of " + from.key(),
                  signature,
                  src.readFrom(),
                  List.of());
            },
            Rules.copy(from, to));
    return new Result(
        c.outcome() == Committed.Outcome.COMMITTED,
        c.proposal().checksum(),
        c.proposal().lines(),
        c.index());
  }

  /**
   * The source's current version as it will be stored under the destination (each key owns its
   * chunks, so a chunked one's chunks are written anew), proven by its checksum, with its content
   * and the entries the copy is guarded on.
   */
  private record Source(Stored stored, byte[] plain, int lines, List<KvEntry> readFrom) {
    String checksum() {
      return stored.version().checksum();
    }
  }

  private Source verified(KeyLayout from, KeySnapshot src, SigningKey signKey) {
    if (src.data() == null || src.checksumText() == null) {
      throw KvexpressException.because(
          Reason.NOTHING_PUBLISHED,
          "nothing to copy: " + from.dir() + " has no data or no checksum");
    }
    if (src.signature() != null && signKey == null) {
      throw KvexpressException.because(
          Reason.UNSIGNED,
          from.dir()
              + " is signed, and a signature names its key, so the copy would arrive unsigned;"
              + " pass --sign-key FILE to sign it for the destination");
    }
    byte[] plain =
        VersionReader.of(store)
            .verified(
                from,
                src.data(),
                src.checksumText(),
                Encoding.MAX_DECODED_BYTES,
                from.data(),
                from.checksum(),
                "refusing to copy a version that does not verify");
    Version version = src.current();
    Stored stored =
        version.chunked()
            ? Stored.inChunks(
                plain,
                version.checksum(),
                Encoding.valueOf(
                    Manifest.parse(version.stored(), from.data())
                        .encoding()
                        .toUpperCase(Locale.ROOT)))
            : Stored.inPlace(version);
    return new Source(
        stored, plain, Canonicalizer.countLines(plain), List.of(src.data(), src.checksum()));
  }
}
