package org.kvexpress.cli;

import org.kvexpress.log.Fields;

/**
 * What a command that succeeded did: its result word for the metrics (published, applied, current,
 * … or ok), the checksum it published or applied, and its summary log line, which the CLI logs
 * (null when the command logged it itself). Anything but success is a KvexpressException, which the
 * CLI turns into the exit code, the error line and the metrics.
 */
record CommandResult(String result, String checksum, Fields summary, ExitCode code) {
  /** Success with nothing more to say. */
  static final CommandResult OK = new CommandResult("ok", null, null);

  CommandResult(String result, String checksum, Fields summary) {
    this(result, checksum, summary, ExitCode.OK);
  }

  /** Success of an operator command, with its summary line. */
  static CommandResult ok(Fields summary) {
    return new CommandResult("ok", null, summary);
  }
}
