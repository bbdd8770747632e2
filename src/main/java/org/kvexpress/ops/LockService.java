package org.kvexpress.ops;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.kvexpress.core.Freeze;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Problems;
import org.kvexpress.core.Reason;
import org.kvexpress.fs.AtomicFiles;
import org.kvexpress.fs.FileSettings;
import org.kvexpress.kv.KvEntry;
import org.kvexpress.kv.KvStore;
import org.kvexpress.kv.TxnOp;
import org.kvexpress.kv.TxnResult;

/**
 * {@code lock} and {@code unlock}: this node's lock of a file, at Go kvexpress's key ({@code
 * <prefix>/locks/<sha256(absolute path)>/<hostname>}), plus a {@code FILE.locked} note beside the
 * file so whoever looks at the node sees why it is frozen.
 */
public final class LockService {
  /** What lock or unlock did. {@code changed} false: it was already so. */
  public record Result(boolean changed, String key, String value, Path note) {}

  private final KvStore store;

  public LockService(KvStore store) {
    this.store = store;
  }

  public static Path absolute(Path file) {
    return file.toAbsolutePath().normalize();
  }

  public static Path noteFor(Path file) {
    Path abs = absolute(file);
    return abs.resolveSibling(abs.getFileName() + ".locked");
  }

  /** Locks the file on the node; with {@code freeze}, its end goes beside it ({@link Freeze}). */
  public Result lock(String prefix, Path file, String hostname, String value, Freeze freeze) {
    Path abs = absolute(file);
    String key = KeyLayout.lock(prefix, abs, hostname);
    String until = KeyLayout.lockUntil(prefix, abs, hostname);
    TxnResult r =
        store.txn(
            List.of(
                TxnOp.checkNotExists(key),
                TxnOp.set(key, value.getBytes(StandardCharsets.UTF_8), 0),
                freeze == null ? TxnOp.delete(until) : TxnOp.set(until, freeze.toJson(), 0)));
    String stored = r.committed() ? value : existing(key).orElse(value);
    Path note = noteFor(abs);
    String text =
        "This file is locked on "
            + hostname
            + " by kvexpress: kvexpress out leaves "
            + abs
            + " alone.\n"
            + "Why: "
            + stored
            + "\n"
            + "Unlock with: kvexpress unlock -f "
            + abs
            + "\n";
    if (Files.isDirectory(abs.getParent())) {
      try (AtomicFiles.Staged staged =
          AtomicFiles.stage(
              note, text.getBytes(StandardCharsets.UTF_8), new FileSettings(0644, null, null))) {
        AtomicFiles.swap(staged, false);
      }
    }
    return new Result(r.committed(), key, stored, Files.exists(note) ? note : null);
  }

  public Result unlock(String prefix, Path file, String hostname) {
    Path abs = absolute(file);
    String key = KeyLayout.lock(prefix, abs, hostname);
    Optional<KvEntry> lock = store.get(key);
    if (lock.isPresent()) {
      store.txn(
          List.of(TxnOp.delete(key), TxnOp.delete(KeyLayout.lockUntil(prefix, abs, hostname))));
    }
    Path note = noteFor(abs);
    boolean removedNote;
    try {
      removedNote = Files.deleteIfExists(note);
    } catch (IOException e) {
      throw KvexpressException.because(
          Reason.IO,
          "removed the lock, but cannot remove " + note + ": " + Problems.describe(e, note));
    }
    return new Result(
        lock.isPresent() || removedNote,
        key,
        lock.map(e -> new String(e.value(), StandardCharsets.UTF_8)).orElse(null),
        removedNote ? note : null);
  }

  private Optional<String> existing(String key) {
    return store.get(key).map(e -> new String(e.value(), StandardCharsets.UTF_8));
  }
}
