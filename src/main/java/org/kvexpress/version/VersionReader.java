package org.kvexpress.version;

import java.util.Optional;
import java.util.function.Function;
import org.kvexpress.core.Checksum;
import org.kvexpress.core.Encoding;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Manifest;
import org.kvexpress.core.Reason;
import org.kvexpress.core.Version;
import org.kvexpress.kv.KvEntry;
import org.kvexpress.kv.KvStore;

/**
 * The one reader of stored versions: what a version's value (one value, plain or gzip, or a
 * manifest of chunks) decodes to, bounded by a byte limit (a gzip bomb is refused, not expanded),
 * with chunks found by a lookup (GETs, or a listing already read) and each chunk checked against
 * its name.
 */
public final class VersionReader {
  private final Function<String, Optional<KvEntry>> chunks;

  /** A reader that finds chunks with {@code lookup}. */
  public VersionReader(Function<String, Optional<KvEntry>> lookup) {
    this.chunks = lookup;
  }

  /** A reader that reads chunks from the store, one GET each (a few at a time). */
  public static VersionReader of(KvStore store) {
    return new VersionReader(store::get);
  }

  /**
   * The verified content of a stored version: decoded and compared with {@code checksum} (null for
   * a manifest: its own claim, as for {@code last}, whose checksum meta may lack). {@code what}
   * names the stored value, {@code claimedBy} the key that holds the checksum, and {@code then}
   * what a refusal means (null: nothing to add), for the refusal's message.
   */
  public byte[] verified(
      KeyLayout layout,
      KvEntry stored,
      String checksum,
      long maxBytes,
      String what,
      String claimedBy,
      String then) {
    if (stored.flags() != Manifest.FLAGS) {
      return new Version(stored.value(), stored.flags(), checksum)
          .verifiedContent(maxBytes, what, claimedBy, then);
    }
    Manifest m = Manifest.parse(stored.value(), what);
    if (checksum != null && !m.checksum().equals(checksum)) {
      throw KvexpressException.because(
          Reason.CHECKSUM_MISMATCH,
          what
              + " is a manifest of checksum "
              + Checksum.shortForm(m.checksum())
              + " but "
              + claimedBy
              + " says "
              + Checksum.shortForm(checksum)
              + (then == null ? "" : "; " + then));
    }
    if (m.bytes() > maxBytes) {
      throw KvexpressException.because(
          Reason.TOO_LARGE,
          what
              + " is "
              + m.bytes()
              + " bytes in "
              + m.chunks().size()
              + " chunks, more than --max-bytes "
              + maxBytes
              + "; raise --max-bytes if this file really is that large");
    }
    return ChunkStore.content(layout, m, what, chunks);
  }

  /**
   * What a stored version decodes to, for showing it ({@code diff}, a dry run's diff, the shrink
   * guard, {@code status}), not for applying it: a single value is only decoded, not compared with
   * a checksum (it may have none); a chunked one is still read chunk by chunk and checked against
   * its own manifest.
   */
  public byte[] shown(KeyLayout layout, KvEntry stored, long maxBytes) {
    if (stored.flags() != Manifest.FLAGS) {
      return Encoding.fromFlags(stored.flags()).decode(stored.value(), maxBytes);
    }
    return verified(layout, stored, null, maxBytes, stored.key(), "its manifest", null);
  }
}
