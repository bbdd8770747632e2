package org.kvexpress.cli;

import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Reason;
import org.kvexpress.core.Result;
import org.kvexpress.log.Fields;

/**
 * What one run came to, from the command to its exit code, its log line and its metrics: the
 * result, the reason (null on success), the checksum it published or applied, its summary line
 * (null when the command logged it itself), the error message (on failure) and the exit code.
 */
record Outcome(
    Result result, Reason reason, String checksum, Fields summary, String error, ExitCode code) {
  /** Success with nothing more to say. */
  static final Outcome OK = of(Result.OK, null, null);

  /** Success: {@code result}, with the checksum and summary line. */
  static Outcome of(Result result, String checksum, Fields summary) {
    return new Outcome(result, null, checksum, summary, null, ExitCode.OK);
  }

  /** Success of an operator command, with its summary line. */
  static Outcome ok(Fields summary) {
    return of(Result.OK, null, summary);
  }

  /** A watcher stopped by a signal in the middle of an apply, which it finished first. */
  static Outcome interrupted(ExitCode code, Fields summary) {
    return new Outcome(Result.INTERRUPTED, null, null, summary, null, code);
  }

  /** Refused, halted or failed, as the exception's reason says. */
  static Outcome of(KvexpressException e) {
    return new Outcome(
        Result.of(e.kind()), e.reason(), null, null, e.getMessage(), ExitCode.of(e.kind()));
  }

  /** A failure that is not a KvexpressException (I/O, interruption, a bug), with its reason. */
  static Outcome failed(Reason reason, String error) {
    return new Outcome(Result.FAILED, reason, null, null, error, ExitCode.FAILURE);
  }
}
