package org.kvexpress.apply;

import java.nio.file.Path;
import java.time.Duration;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.fs.FileSettings;

/**
 * What {@code out} is asked to apply: which key to which file, how the file is written, what the data must
 * pass, the commands around the swap, and how the run behaves.
 */
public record ApplyInput(KeyLayout layout, Path file, FileSettings fileSettings, Guards guards, Hooks hooks,
    Mode mode) {

  /** The default bound on decoded data ({@code out --max-bytes}). */
  public static final long DEFAULT_MAX_BYTES = org.kvexpress.core.Encoding.MAX_DECODED_BYTES;

  /** What published data must pass: at least {@code minLines} lines, at most {@code maxBytes} decoded. */
  public record Guards(int minLines, long maxBytes, boolean ignoreStop) {}

  /**
   * The commands around the swap: {@code check} on the staged file, {@code exec} (the reload) after a
   * random {@code splay}, each bounded by {@code timeout}; null when not given.
   */
  public record Hooks(String check, String exec, Duration timeout, Duration splay, boolean restoreOnFailure) {}

  /** How the run behaves: {@code dryRun} changes nothing; {@code report} writes this node's report. */
  public record Mode(boolean dryRun, boolean report) {
    public static final Mode APPLY = new Mode(false, false);
  }
}
