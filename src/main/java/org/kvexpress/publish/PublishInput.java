package org.kvexpress.publish;

import java.time.Duration;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.sign.SigningKey;

/**
 * What {@code in} is asked to publish: under which key, the input, the guards it must pass, how it
 * is stored, and how the run behaves.
 */
public record PublishInput(KeyLayout layout, Input input, Guards guards, Storing storing, Run run) {

  /** The content as read, where it came from, and whether it is kept verbatim (else canonical). */
  public record Input(byte[] content, String source, boolean verbatim) {}

  /**
   * At least {@code minLines} lines and at most {@code maxBytes}; at most {@code maxShrinkPercent}
   * fewer than published (null: no such guard), and no chunks over a Go-written version, unless
   * {@code force}.
   */
  public record Guards(int minLines, Integer maxShrinkPercent, boolean force, long maxBytes) {}

  /**
   * How the version is stored: gzip or plain; signed by {@code signKey} (null: unsigned; {@code
   * resign}: sign an unchanged version anew even when that key signed it already); as the staged
   * version (canaries first) instead of the current one; {@code carriedSignature} is a signature
   * made elsewhere that travels with the version unchanged ({@code replicate}: it covers the key's
   * name and checksum, not the datacenter), null when none.
   */
  public record Storing(
      boolean compress,
      SigningKey signKey,
      boolean resign,
      boolean stage,
      byte[] carriedSignature) {
    public Storing(boolean compress, SigningKey signKey, boolean resign, boolean stage) {
      this(compress, signKey, resign, stage, null);
    }
  }

  /**
   * How the run behaves: {@code dryRun} writes nothing; {@code diff} asks for the diff against the
   * published version with the result (for Datadog events); {@code exec} runs after a publish
   * (null: none), bounded by {@code execTimeout}.
   */
  public record Run(boolean dryRun, boolean diff, String exec, Duration execTimeout) {}
}
