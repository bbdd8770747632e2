package org.kvexpress.ops;

/**
 * One node's report as {@code status} shows it: whether its file holds the current version and, if not,
 * for how many seconds the current version has been waiting for it ({@code lagSeconds}).
 */
public record NodeStatus(
    String host,
    String checksum,
    String result,
    String reason,
    Integer reloadExit,
    String reportedAt,
    boolean current,
    Long lagSeconds) {}
