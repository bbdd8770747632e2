package org.kvexpress.core;

/**
 * An error that knows what kind of outcome it is, so the CLI can map it to an exit code without
 * parsing text (consul-template's ErrExitable). The message is one line, names the problem and the
 * fix, and never contains a token.
 */
public class KvexpressException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What kind of outcome an exception is; the CLI maps each kind to one exit code. */
  public enum Kind {
    /** Bad command line, option value or key name. */
    USAGE,
    /**
     * Something that should have worked did not: Consul unreachable, ACL denied, I/O error, reload
     * failed.
     */
    FAILURE,
    /**
     * A guard refused on purpose: too few lines, checksum mismatch, check failed, value too large.
     */
    REFUSED,
    /** Halted on purpose: stop key set or file locked on this node. */
    HALTED;

    /** The word logs, metrics and node reports use for this outcome: refused, halted or failed. */
    public String word() {
      return Result.of(this).word();
    }
  }

  private final Reason reason;

  /**
   * An outcome of {@code reason}'s kind, with a one-line message naming the problem and the fix.
   */
  public KvexpressException(Reason reason, String message) {
    this(reason, message, null);
  }

  public KvexpressException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  /** A usage error (exit 2). */
  public static KvexpressException usage(String message) {
    return new KvexpressException(Reason.USAGE, message);
  }

  /** An outcome because of {@code reason}: refused, halted or failed as the reason's kind says. */
  public static KvexpressException because(Reason reason, String message) {
    return new KvexpressException(reason, message);
  }

  public static KvexpressException because(Reason reason, String message, Throwable cause) {
    return new KvexpressException(reason, message, cause);
  }

  public Kind kind() {
    return reason.kind();
  }

  /**
   * Why, as a value; its tag ({@code too_few_lines}, {@code stop_key}, …) goes into logs and
   * metrics.
   */
  public Reason reason() {
    return reason;
  }
}
