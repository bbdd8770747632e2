package org.kvexpress.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.kvexpress.core.Encoding;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Problems;
import org.kvexpress.core.Reason;
import org.kvexpress.core.UnifiedDiff;
import org.kvexpress.kv.KvStore;
import org.kvexpress.version.KeySnapshot;
import org.kvexpress.version.VersionReader;

/** {@code diff}: the unified diff from {@code last} (or a local file) to the current version. */
public final class DiffService {
  /** The diff (empty when the two are the same) and what it was taken from. */
  public record Result(byte[] diff, String from) {
    public boolean same() {
      return diff.length == 0;
    }
  }

  private final KvStore store;
  private final VersionReader versions;

  public DiffService(KvStore store) {
    this.store = store;
    this.versions = VersionReader.of(store);
  }

  /** From {@code file} (null: from last) to the current version of {@code layout}. */
  public Result diff(KeyLayout layout, Path file) throws IOException {
    KeySnapshot s = KeySnapshot.read(store, layout);
    if (s.data() == null) {
      throw KvexpressException.because(
          Reason.NOTHING_PUBLISHED, "nothing published under " + layout.dir());
    }
    byte[] current = versions.shown(layout, s.data(), Encoding.MAX_DECODED_BYTES);
    byte[] before;
    String label;
    if (file != null) {
      try {
        before = Files.readAllBytes(file);
      } catch (NoSuchFileException e) {
        throw KvexpressException.usage("-f " + file + " does not exist");
      } catch (IOException e) {
        throw KvexpressException.because(
            Reason.IO, "cannot read -f " + file + ": " + Problems.describe(e, file));
      }
      label = file.toString();
    } else {
      if (s.last() == null) {
        throw KvexpressException.because(
            Reason.NOTHING_TO_COMPARE, layout.dir() + " has no last version to compare");
      }
      before = versions.shown(layout, s.last(), Encoding.MAX_DECODED_BYTES);
      label = layout.last();
    }
    return new Result(UnifiedDiff.diff(label, before, layout.data(), current, 3), label);
  }
}
