package org.kvexpress.ops;

/**
 * One node's report as {@code status} shows it: whether its file holds the current version and, if
 * not, for how many seconds the current version has been waiting for it ({@code lagSeconds});
 * whether it is a canary; and how long the current version took from its publish to this node's
 * disk ({@code latencySeconds}, null when the node did not write it or the times are unknown).
 */
public record NodeStatus(
    String host,
    String checksum,
    String result,
    String reason,
    Integer reloadExit,
    String reportedAt,
    boolean current,
    Long lagSeconds,
    Boolean canary,
    Double latencySeconds) {}
