package org.kvexpress.ops;

import java.nio.file.Path;
import org.kvexpress.apply.Applier;
import org.kvexpress.apply.ApplyInput;
import org.kvexpress.apply.ApplyResult;
import org.kvexpress.core.Canonicalizer;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Reason;
import org.kvexpress.kv.KvEntry;
import org.kvexpress.kv.KvStore;

/**
 * {@code raw}: any key's raw value written to a file with out's discipline (atomic, mode, owner,
 * reload), once it has at least the asked number of lines. The value has no published checksum, so
 * nothing beyond its length can be verified.
 */
public final class RawService {
  private final KvStore store;
  private final Applier applier;

  public RawService(KvStore store, Applier applier) {
    this.store = store;
    this.applier = applier;
  }

  /** Writes {@code fullKey}'s value to {@code in}'s file; refused when missing or too short. */
  public ApplyResult write(String fullKey, ApplyInput in, Path target) throws InterruptedException {
    KvEntry entry =
        store
            .get(fullKey)
            .orElseThrow(
                () ->
                    KvexpressException.because(
                        Reason.NOTHING_PUBLISHED,
                        "key " + fullKey + " does not exist; nothing written"));
    int lines = Canonicalizer.countLines(entry.value());
    if (lines < in.guards().minLines()) {
      throw KvexpressException.because(
          Reason.TOO_FEW_LINES,
          fullKey
              + " has "
              + lines
              + " lines, fewer than --min-lines "
              + in.guards().minLines()
              + "; the file is left untouched");
    }
    return applier.write(in, target, entry.value());
  }
}
