package org.kvexpress.ops;

import java.util.List;

/**
 * One published key as {@code status} shows it, with its nodes' reports. Null fields are unknown
 * (no meta, nothing published); {@code chunks} is null for a version stored as one value, {@code
 * signature} null for an unsigned one; {@code latency} is only computed for {@code status
 * --latency}. The JSON form ({@code status --json}) uses these names in snake_case; see
 * docs/reference.md.
 */
public record KeyStatus(
    String key,
    Integer lines,
    Long bytes,
    String encoding,
    String checksum,
    long modifyIndex,
    String publishedAt,
    String publishedBy,
    String stop,
    boolean stopExpired,
    boolean hasLast,
    boolean verified,
    Integer chunks,
    Signature signature,
    Staged staged,
    Convergence convergence,
    List<NodeStatus> nodes,
    Latency latency,
    Slots slots) {

  /**
   * The reload slots in use ({@code out --reload-slots}): the hosts holding one (writing,
   * reloading, waiting for their checks) and how many nodes wait for one; null when none is in use.
   */
  public record Slots(List<String> holding, int waiting) {}

  /**
   * The staged version ({@code in --stage}) and what its canaries report; null when nothing is
   * staged.
   */
  public record Staged(
      String checksum,
      String publishedAt,
      String publishedBy,
      List<PromoteService.Canary> canaries) {}

  /**
   * Who the current version's signature statement says signed it (not checked against any trusted
   * key: nodes do that with out --trust-key); {@code matches} is false when it signs another
   * checksum or key.
   */
  public record Signature(
      String signer, String fingerprint, String signedAt, String publisher, boolean matches) {}

  /**
   * How many reporting nodes hold the current version (only nodes running {@code out --report}
   * count).
   */
  public record Convergence(int current, int reporting, int lagging, int failing) {}
}
