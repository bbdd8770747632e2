package org.kvexpress.publish;

import java.time.Duration;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.sign.SigningKey;

/**
 * What {@code in} is asked to publish: the content as read, how to treat it, and what to run
 * afterwards. {@code maxShrinkPercent} is null when the shrink guard is off; {@code exec} is null
 * when none; {@code diff} asks for the diff against the published version with the result (for
 * Datadog events); {@code signKey} is null when the version is published unsigned ({@code resign}:
 * sign an unchanged version anew even when it is signed by that key already); {@code maxBytes}
 * bounds the canonical content; {@code force} also lets a large version be chunked over one that Go
 * kvexpress wrote; {@code stage} publishes it as the staged version (canaries first) instead of the
 * current one.
 */
public record PublishInput(
    KeyLayout layout,
    byte[] content,
    String source,
    boolean verbatim,
    int minLines,
    Integer maxShrinkPercent,
    boolean force,
    boolean compress,
    boolean dryRun,
    String exec,
    Duration execTimeout,
    boolean diff,
    SigningKey signKey,
    boolean resign,
    long maxBytes,
    boolean stage) {}
