package org.kvexpress.ops;

/**
 * One published key as {@code status} shows it, with its nodes' reports. Null fields are unknown (no
 * meta, nothing published).
 * The JSON form ({@code status --json}) uses these names in snake_case; see README.md.
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
    boolean hasLast,
    boolean verified,
    Convergence convergence,
    java.util.List<NodeStatus> nodes) {

  /** How many reporting nodes hold the current version (only nodes running {@code out --report} count). */
  public record Convergence(int current, int reporting, int lagging, int failing) {}
}
