package org.kvexpress.cli;

import org.kvexpress.core.KvexpressException;

/** The one exit-code table of kvexpress; README.md documents the same table. */
public enum ExitCode {
  /** Done, or nothing to do. */
  OK(0),
  /** Failure: Consul unreachable after retries, ACL denied, I/O error, reload failed. */
  FAILURE(1),
  /** Usage error: unknown command or option, missing or invalid value, invalid key name. */
  USAGE(2),
  /**
   * Refused by a guard: too few lines, checksum mismatch, check failed, value too large, nothing to
   * apply.
   */
  REFUSED(3),
  /** Halted on purpose: stop key set, or file locked on this node. */
  HALTED(4),
  /** {@code diff} only, as diff(1): the two versions differ. */
  DIFFERENT(1),
  /** {@code diff} only, as diff(1): trouble (any failure, refusal or usage error). */
  TROUBLE(2),
  /**
   * {@code out --watch} stopped by SIGINT while applying a file (it finished that apply first): 128
   * + 2.
   */
  INTERRUPTED_BY_SIGINT(130),
  /**
   * {@code out --watch} stopped by SIGTERM while applying a file (it finished that apply first):
   * 128 + 15.
   */
  INTERRUPTED_BY_SIGTERM(143);

  private final int code;

  ExitCode(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  /** The code of a watcher stopped by {@code signal} (2 or 15) in the middle of an apply. */
  public static ExitCode interruptedBy(int signal) {
    return signal == 2 ? INTERRUPTED_BY_SIGINT : INTERRUPTED_BY_SIGTERM;
  }

  public static ExitCode of(KvexpressException.Kind kind) {
    return switch (kind) {
      case USAGE -> USAGE;
      case FAILURE -> FAILURE;
      case REFUSED -> REFUSED;
      case HALTED -> HALTED;
    };
  }

  /** {@code --soft}: refusals and halts exit 0 (after being logged), so hooks keep running. */
  public ExitCode soften(boolean soft) {
    return soft && (this == REFUSED || this == HALTED) ? OK : this;
  }
}
