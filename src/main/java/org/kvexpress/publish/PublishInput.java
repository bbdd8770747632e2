package org.kvexpress.publish;

import java.time.Duration;
import org.kvexpress.core.KeyLayout;

/**
 * What {@code in} is asked to publish: the content as read, how to treat it, and what to run afterwards.
 * {@code maxShrinkPercent} is null when the shrink guard is off; {@code exec} is null when none; {@code diff}
 * asks for the diff against the published version with the result (for Datadog events).
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
    boolean diff) {}
