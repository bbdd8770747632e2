package org.kvexpress.apply;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.kvexpress.core.Encoding;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.fs.FileSettings;
import org.kvexpress.sign.TrustedKeys;

/**
 * What {@code out} is asked to apply: which key to which file, how the file is written, what the
 * data must pass, the commands around the swap, and how the run behaves.
 */
public record ApplyInput(
    KeyLayout layout,
    Path file,
    FileSettings fileSettings,
    Guards guards,
    Hooks hooks,
    Mode mode,
    Brakes brakes) {

  public ApplyInput(
      KeyLayout layout,
      Path file,
      FileSettings fileSettings,
      Guards guards,
      Hooks hooks,
      Mode mode) {
    this(layout, file, fileSettings, guards, hooks, mode, Brakes.NONE);
  }

  /** The default bound on decoded data ({@code out --max-bytes}). */
  public static final long DEFAULT_MAX_BYTES = Encoding.MAX_DECODED_BYTES;

  /**
   * What published data must pass: at least {@code minLines} lines, at most {@code maxBytes}
   * decoded, and, when {@code trust} is set, a valid signature by one of its keys; {@code noOlder}
   * then also refuses a version signed earlier than the one this file last received.
   */
  public record Guards(
      int minLines, long maxBytes, boolean ignoreStop, TrustedKeys trust, boolean noOlder) {
    public Guards(int minLines, long maxBytes, boolean ignoreStop) {
      this(minLines, maxBytes, ignoreStop, null, false);
    }
  }

  /**
   * The commands around the swap: {@code check} on the staged file, {@code exec} (the reload) after
   * a random {@code splay}, each bounded by {@code timeout}; null when not given.
   */
  public record Hooks(
      String check, String exec, Duration timeout, Duration splay, boolean restoreOnFailure) {}

  /**
   * The rollout brakes (docs/rollouts.md): at most {@code reloadSlots} nodes of the key write and
   * reload at once (0: no limit), each keeping its slot for {@code settle} after the reload; with
   * {@code healthServices} or {@code healthChecks}, the node's Consul checks for them must pass for
   * {@code settle} within {@code healthyWithin} or the previous file is put back.
   */
  public record Brakes(
      int reloadSlots,
      Duration settle,
      List<String> healthServices,
      List<String> healthChecks,
      Duration healthyWithin) {
    public static final Duration DEFAULT_HEALTHY_WITHIN = Duration.ofSeconds(60);

    /** The settle time of a health gate when none is given: checks must pass this long. */
    public static final Duration DEFAULT_HEALTHY_SETTLE = Duration.ofSeconds(10);

    public static final Brakes NONE =
        new Brakes(0, Duration.ZERO, List.of(), List.of(), DEFAULT_HEALTHY_WITHIN);

    public Brakes {
      healthServices = List.copyOf(healthServices);
      healthChecks = List.copyOf(healthChecks);
    }

    public boolean slots() {
      return reloadSlots > 0;
    }

    public boolean healthGated() {
      return !healthServices.isEmpty() || !healthChecks.isEmpty();
    }
  }

  /**
   * How the run behaves: {@code dryRun} changes nothing; {@code report} writes this node's report;
   * {@code canary} applies the staged version when there is one ({@code out --canary}).
   */
  public record Mode(boolean dryRun, boolean report, boolean canary) {
    public static final Mode APPLY = new Mode(false, false, false);
  }
}
