package org.kvexpress.core;

import java.util.Locale;

/**
 * Why a command was refused, halted or failed: one value per cause, compared as values, and written
 * as its lowercase tag ({@code too_few_lines}, {@code stop_key}, …) in logs, metrics and node
 * reports.
 */
public enum Reason {
  // usage
  USAGE,
  // halted on purpose (exit 4)
  STOP_KEY,
  LOCKED,
  // refused by a guard (exit 3)
  EMPTY_INPUT,
  TOO_FEW_LINES,
  SHRINK,
  TOO_LARGE,
  NOTHING_PUBLISHED,
  NOTHING_TO_ROLL_BACK,
  NOTHING_TO_COMPARE,
  NO_CHECKSUM,
  CHECKSUM_MISMATCH,
  UNKNOWN_ENCODING,
  UNDECODABLE,
  UNVERIFIABLE,
  CHECK_FAILED,
  CHUNK_MISSING,
  GO_VERSION,
  UNSIGNED,
  BAD_SIGNATURE,
  UNTRUSTED_SIGNER,
  OLDER_VERSION,
  NOTHING_STAGED,
  CANARIES,
  // failures (exit 1)
  UNREACHABLE,
  /** A write was sent but no answer came back: it may or may not have been applied. */
  UNCONFIRMED,
  /** After a write whose answer was lost, what Consul holds cannot tell whether it committed. */
  OUTCOME_UNKNOWN,
  /** What answered at the Consul address is not Consul. */
  NOT_CONSUL,
  ACL_DENIED,
  TLS,
  CONSUL_ERROR,
  CONFLICT,
  CHANGED,
  IO,
  IS_DIRECTORY,
  CHOWN,
  URL,
  BIND,
  RELOAD_FAILED,
  EXEC_FAILED,
  INTERRUPTED,
  INTERNAL,
  ERROR;

  /** The lowercase tag logs, metrics and node reports use. */
  public String tag() {
    return name().toLowerCase(Locale.ROOT);
  }

  @Override
  public String toString() {
    return tag();
  }
}
