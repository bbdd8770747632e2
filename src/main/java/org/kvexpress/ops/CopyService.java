package org.kvexpress.ops;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.kvexpress.core.Canonicalizer;
import org.kvexpress.core.Encoding;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Manifest;
import org.kvexpress.core.Meta;
import org.kvexpress.core.Reason;
import org.kvexpress.core.Version;
import org.kvexpress.kv.KvEntry;
import org.kvexpress.kv.KvStore;
import org.kvexpress.sign.SigningKey;
import org.kvexpress.version.ChunkStore;
import org.kvexpress.version.KeySnapshot;
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
    VersionStore versions = new VersionStore(store, clock);
    Source first = verified(versions, from, versions.read(from), signKey);
    KeySnapshot dst = versions.read(to);
    if (dst.stopActive(clock.instant())) {
      throw VersionStore.halted(dst);
    }
    if (first.version().checksum().equals(dst.checksumText())) {
      return new Result(false, first.version().checksum(), first.lines(), dst.data().modifyIndex());
    }
    Instant now = Instant.now(clock).truncatedTo(ChronoUnit.MILLIS);
    ChunkStore chunks = new ChunkStore(store);
    ChunkStore.Staged staged = null;
    if (first.version().chunked()) {
      Manifest m = Manifest.parse(first.version().stored(), from.data());
      staged =
          chunks.stage(
              to,
              m,
              Manifest.split(first.plain()),
              Encoding.valueOf(m.encoding().toUpperCase(Locale.ROOT)),
              hostname,
              now);
    }
    boolean chunked = staged != null;
    byte[] signature =
        signKey == null
            ? null
            : signKey
                .sign(
                    to, first.version().checksum(), now.toString(), SigningKey.publisher(hostname))
                .toJson();
    // After a conflict the source is read again: the copy is of the source as it is when it commits
    // (a chunked one only if it is still the version whose chunks were staged).
    VersionStore.Committed c =
        chunks.committing(
            to,
            staged,
            clock,
            () ->
                versions.commit(
                    to,
                    dst,
                    seen -> {
                      Source src =
                          seen == dst
                              ? first
                              : verified(versions, from, versions.read(from), signKey);
                      if (chunked && !src.version().checksum().equals(first.version().checksum())) {
                        throw KvexpressException.failure(
                            Reason.CHANGED, from.dir() + " changed during the copy; run it again");
                      }
                      return draft(from, src, now, signature);
                    },
                    VersionStore.Rules.publish(
                        from.dir() + " or " + to.dir() + " keep changing; run the copy again")));
    if (chunked || dst.pending() != null) {
      try {
        chunks.collect(to, now, Set.of());
      } catch (KvexpressException e) {
        // The copy stands; the next publish of the destination collects its unused chunks.
      }
    }
    Meta copied = c.draft().meta();
    return new Result(
        c.outcome() == VersionStore.Outcome.COMMITTED,
        copied.checksum(),
        copied.lines(),
        c.index());
  }

  private VersionStore.Draft draft(KeyLayout from, Source src, Instant now, byte[] signature) {
    Meta meta =
        new Meta(
            src.version().checksum(),
            src.lines(),
            src.plain().length,
            src.version().encodingLabel(),
            hostname,
            now.toString(),
            "copy of " + from.key(),
            null,
            null,
            null);
    return new VersionStore.Draft(src.version(), meta, src.readFrom(), signature);
  }

  /**
   * The source's current version, proven by its checksum, its content, and the entries the copy is
   * guarded on.
   */
  private record Source(Version version, byte[] plain, int lines, List<KvEntry> readFrom) {}

  private Source verified(
      VersionStore versions, KeyLayout from, KeySnapshot src, SigningKey signKey) {
    if (src.data() == null || src.checksumText() == null) {
      store.confirmAbsent(src.data() == null ? from.data() : from.checksum());
      throw KvexpressException.refused(
          Reason.NOTHING_PUBLISHED,
          "nothing to copy: " + from.dir() + " has no data or no checksum");
    }
    if (src.signature() != null && signKey == null) {
      throw KvexpressException.refused(
          Reason.UNSIGNED,
          from.dir()
              + " is signed, and a signature names its key, so "
              + "the copy would arrive unsigned; pass --sign-key FILE to sign it for the destination");
    }
    byte[] plain =
        versions.content(
            from,
            src.data(),
            src.checksumText(),
            Encoding.MAX_DECODED_BYTES,
            from.data(),
            from.checksum() + "; refusing to copy a version that does not verify");
    return new Source(
        src.current(), plain, Canonicalizer.countLines(plain), List.of(src.data(), src.checksum()));
  }
}
