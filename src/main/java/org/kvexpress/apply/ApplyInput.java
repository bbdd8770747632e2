package org.kvexpress.apply;

import java.nio.file.Path;
import java.time.Duration;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.fs.FileSettings;

/**
 * What {@code out} is asked to apply: which key to which file, how the file is written, and the
 * commands around it. {@code check} and {@code exec} are null when not given; {@code splay} may be zero.
 */
public record ApplyInput(
    KeyLayout layout,
    Path file,
    FileSettings fileSettings,
    int minLines,
    long maxBytes,
    boolean ignoreStop,
    String check,
    String exec,
    Duration execTimeout,
    Duration splay,
    boolean restoreOnFailure,
    boolean dryRun,
    boolean report) {

  /** The default bound on decoded data ({@code out --max-bytes}). */
  public static final long DEFAULT_MAX_BYTES = org.kvexpress.core.Encoding.MAX_DECODED_BYTES;
}
