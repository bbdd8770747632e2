package org.kvexpress.core;

import java.util.Locale;
import org.kvexpress.core.KvexpressException.Kind;

/**
 * Why a command was refused, halted or failed: one value per cause, compared as values, each of one
 * {@link Kind} (so one exit code), and written as its lowercase tag ({@code too_few_lines}, {@code
 * stop_key}, …) in logs, metrics and node reports.
 */
public enum Reason {
  USAGE(Kind.USAGE),
  // halted on purpose (exit 4)
  STOP_KEY(Kind.HALTED),
  LOCKED(Kind.HALTED),
  // refused by a guard (exit 3)
  EMPTY_INPUT(Kind.REFUSED),
  TOO_FEW_LINES(Kind.REFUSED),
  SHRINK(Kind.REFUSED),
  TOO_LARGE(Kind.REFUSED),
  NOTHING_PUBLISHED(Kind.REFUSED),
  NOTHING_TO_ROLL_BACK(Kind.REFUSED),
  NOTHING_TO_COMPARE(Kind.REFUSED),
  NO_CHECKSUM(Kind.REFUSED),
  CHECKSUM_MISMATCH(Kind.REFUSED),
  UNKNOWN_ENCODING(Kind.REFUSED),
  UNDECODABLE(Kind.REFUSED),
  UNVERIFIABLE(Kind.REFUSED),
  CHECK_FAILED(Kind.REFUSED),
  CHUNK_MISSING(Kind.REFUSED),
  GO_VERSION(Kind.REFUSED),
  UNSIGNED(Kind.REFUSED),
  BAD_SIGNATURE(Kind.REFUSED),
  UNTRUSTED_SIGNER(Kind.REFUSED),
  OLDER_VERSION(Kind.REFUSED),
  NOTHING_STAGED(Kind.REFUSED),
  CANARIES(Kind.REFUSED),
  /** {@code rollout} timings a version: stopped (and perhaps rolled back) or discarded it. */
  BRAKED(Kind.REFUSED),
  // failures (exit 1)
  UNREACHABLE(Kind.FAILURE),
  /** A write was sent but no answer came back: it may or may not have been applied. */
  UNCONFIRMED(Kind.FAILURE),
  /** After a write whose answer was lost, what Consul holds cannot tell whether it committed. */
  OUTCOME_UNKNOWN(Kind.FAILURE),
  /** What answered at the Consul address is not Consul. */
  NOT_CONSUL(Kind.FAILURE),
  ACL_DENIED(Kind.FAILURE),
  TLS(Kind.FAILURE),
  CONSUL_ERROR(Kind.FAILURE),
  CONFLICT(Kind.FAILURE),
  CHANGED(Kind.FAILURE),
  IO(Kind.FAILURE),
  IS_DIRECTORY(Kind.FAILURE),
  CHOWN(Kind.FAILURE),
  URL(Kind.FAILURE),
  BIND(Kind.FAILURE),
  RELOAD_FAILED(Kind.FAILURE),
  /** {@code rollout}: not everywhere in time, or replaced by a newer version. */
  ROLLOUT_INCOMPLETE(Kind.FAILURE),
  /** The health gate's checks failed after the reload; the previous file was put back. */
  UNHEALTHY(Kind.FAILURE),
  /** The health gate found no check to watch: nothing could prove the node healthy. */
  NO_HEALTH_CHECK(Kind.FAILURE),
  EXEC_FAILED(Kind.FAILURE),
  INTERRUPTED(Kind.FAILURE),
  INTERNAL(Kind.FAILURE),
  ERROR(Kind.FAILURE);

  private final Kind kind;

  Reason(Kind kind) {
    this.kind = kind;
  }

  /** What kind of outcome this cause is, and so which exit code it has. */
  public Kind kind() {
    return kind;
  }

  /**
   * Whether Consul gave no answer (unreachable, or a write whose answer was lost), as opposed to an
   * answer that refused or failed the request.
   */
  public boolean noAnswer() {
    return this == UNREACHABLE || this == UNCONFIRMED;
  }

  /** The lowercase tag logs, metrics and node reports use. */
  public String tag() {
    return name().toLowerCase(Locale.ROOT);
  }

  @Override
  public String toString() {
    return tag();
  }
}
