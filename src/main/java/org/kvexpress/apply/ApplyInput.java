package org.kvexpress.apply;

import java.nio.file.Path;
import java.time.Duration;
import org.kvexpress.core.Encoding;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.fs.FileSettings;
import org.kvexpress.sign.TrustedKeys;

/**
 * What {@code out} is asked to apply: which key to which file, how the file is written, what the
 * data must pass, the commands around the swap, and how the run behaves.
 */
public record ApplyInput(
    KeyLayout layout, Path file, FileSettings fileSettings, Guards guards, Hooks hooks, Mode mode) {

  /** The default bound on decoded data ({@code out --max-bytes}). */
  public static final long DEFAULT_MAX_BYTES = Encoding.MAX_DECODED_BYTES;

  /**
   * What published data must pass: at least {@code minLines} lines, at most {@code maxBytes}
   * decoded, and, when {@code trust} is set, a valid signature by one of its keys; {@code noOlder}
   * then also refuses a version signed earlier than the one this file last received.
   */
  public record Guards(
      int minLines, long maxBytes, boolean ignoreStop, TrustedKeys trust, boolean noOlder) {
    public Guards(int minLines, long maxBytes, boolean ignoreStop) {
      this(minLines, maxBytes, ignoreStop, null, false);
    }
  }

  /**
   * The commands around the swap: {@code check} on the staged file, {@code exec} (the reload) after
   * a random {@code splay}, each bounded by {@code timeout}; null when not given.
   */
  public record Hooks(
      String check, String exec, Duration timeout, Duration splay, boolean restoreOnFailure) {}

  /**
   * How the run behaves: {@code dryRun} changes nothing; {@code report} writes this node's report;
   * {@code canary} applies the staged version when there is one ({@code out --canary}).
   */
  public record Mode(boolean dryRun, boolean report, boolean canary) {
    public static final Mode APPLY = new Mode(false, false, false);
  }
}
