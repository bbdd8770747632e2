package org.kvexpress.cli;

/**
 * What a command that succeeded did, for the CLI's metrics: its result word (published, applied, current,
 * … or ok) and the checksum it published or applied. Anything but success is a KvexpressException, which
 * the CLI turns into the exit code, the error line and the metrics.
 */
record CommandResult(String result, String checksum) {
  /** Success with nothing more to say. */
  static final CommandResult OK = new CommandResult("ok", null);
}
