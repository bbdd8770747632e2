package org.kvexpress.cli;

import java.time.Duration;
import joptsimple.OptionParser;
import joptsimple.OptionSet;
import joptsimple.OptionSpec;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Reason;
import org.kvexpress.kv.KvStore;
import org.kvexpress.log.Fields;
import org.kvexpress.ops.RolloutProgress;
import org.kvexpress.ops.RolloutService;

/**
 * {@code kvexpress rollout -k KEY}: follow a version across the fleet and brake it without a human
 * (docs/rollouts.md).
 */
final class RolloutCommand implements Command<RolloutCommand.Options> {
  /** The key, the brakes, and how progress is shown. */
  record Options(String key, RolloutService.Plan plan, boolean json) {}

  private OptionSpec<String> key;
  private OptionSpec<Integer> haltAfter;
  private OptionSpec<Integer> haltPercent;
  private OptionSpec<Void> rollback;
  private OptionSpec<Converters.Span> promoteAfter;
  private OptionSpec<Integer> minCanaries;
  private OptionSpec<String> onCanaryFailure;
  private OptionSpec<Converters.Span> timeout;
  private OptionSpec<Void> json;

  @Override
  public String name() {
    return "rollout";
  }

  @Override
  public String usage() {
    return "kvexpress rollout -k KEY [--halt-after N | --halt-percent P] [--rollback]"
        + " [--promote-after DURATION --min-canaries N] [--timeout DURATION] [--json]";
  }

  @Override
  public String summary() {
    return "follow a version across the fleet; stop (or roll back) it when nodes fail it";
  }

  @Override
  public void declare(OptionParser p) {
    key = Converters.key(p, "key whose version to follow").required();
    haltAfter =
        p.accepts("halt-after", "stop the key when this many nodes failed the version")
            .withRequiredArg()
            .withValuesConvertedBy(Converters.POSITIVE)
            .describedAs("N");
    haltPercent =
        p.accepts(
                "halt-percent",
                "stop the key when this percentage of the reporting nodes failed the version")
            .withRequiredArg()
            .withValuesConvertedBy(Converters.PERCENT)
            .describedAs("P");
    rollback =
        p.accepts(
            "rollback",
            "after stopping, make the previous version current and resume, so nodes that took "
                + "the failed version go back");
    promoteAfter =
        p.accepts(
                "promote-after",
                "for a staged version: promote once --min-canaries canaries have held it this "
                    + "long and none failed it")
            .withRequiredArg()
            .withValuesConvertedBy(Converters.DURATION);
    minCanaries =
        p.accepts("min-canaries", "with --promote-after: how many canaries must hold it")
            .withRequiredArg()
            .withValuesConvertedBy(Converters.POSITIVE)
            .defaultsTo(1);
    onCanaryFailure =
        p.accepts(
                "on-canary-failure",
                "with --promote-after: discard the staged version (default) or stop the key")
            .withRequiredArg()
            .describedAs("discard|stop")
            .defaultsTo("discard");
    timeout =
        p.accepts("timeout", "give up (exit 1) when the version is not everywhere by then")
            .withRequiredArg()
            .withValuesConvertedBy(Converters.DURATION)
            .defaultsTo(Converters.Span.of(Duration.ofMinutes(10)));
    json = p.accepts("json", "one JSON object per change of progress, for machines");
  }

  @Override
  public Options options(OptionSet o) {
    if (o.has(haltAfter) && o.has(haltPercent)) {
      throw KvexpressException.usage("give either --halt-after or --halt-percent, not both");
    }
    if (o.has(rollback) && !o.has(haltAfter) && !o.has(haltPercent)) {
      throw KvexpressException.usage(
          "--rollback happens when the rollout halts: add --halt-after N or --halt-percent P");
    }
    if ((o.has(minCanaries) || o.has(onCanaryFailure)) && !o.has(promoteAfter)) {
      throw KvexpressException.usage(
          "--min-canaries and --on-canary-failure belong to --promote-after DURATION");
    }
    String onFailure = o.valueOf(onCanaryFailure);
    if (!onFailure.equals("discard") && !onFailure.equals("stop")) {
      throw KvexpressException.usage("--on-canary-failure is discard or stop, not " + onFailure);
    }
    return new Options(
        o.valueOf(key),
        new RolloutService.Plan(
            o.has(haltAfter) ? o.valueOf(haltAfter) : 0,
            o.has(haltPercent) ? o.valueOf(haltPercent) : 0,
            o.has(rollback),
            o.has(promoteAfter) ? o.valueOf(promoteAfter).value() : null,
            o.valueOf(minCanaries),
            onFailure.equals("stop"),
            o.valueOf(timeout).value()),
        o.has(json));
  }

  @Override
  public Outcome run(Options o, CommandContext ctx) throws InterruptedException {
    KeyLayout layout = new KeyLayout(ctx.prefix(), o.key());
    ctx.about(layout.key());
    View view = new View(ctx, o.json(), !o.json() && CliEnvironment.isTerminal(1));
    try (KvStore store = ctx.openStore()) {
      RolloutService.Ended end =
          new RolloutService(store, ctx.env().clock(), ctx.env().hostname().get())
              .follow(
                  layout, o.plan(), why -> ctx.stamp().describe("stopped", why, null, null), view);
      view.done();
      Fields summary =
          Fields.of("key", layout.key())
              .add("rollout", end.end().name().toLowerCase(java.util.Locale.ROOT))
              .add("nodes", end.progress() == null ? null : end.progress().nodes().size())
              .add(
                  "failed",
                  end.progress() == null
                      ? null
                      : end.progress().count(RolloutProgress.State.FAILED));
      return switch (end.end()) {
        case EVERYWHERE -> {
          if (!o.json()) {
            ctx.say(end.message());
          }
          yield Outcome.ok(summary);
        }
        case BRAKED -> throw KvexpressException.because(Reason.BRAKED, end.message());
        case STOPPED -> throw KvexpressException.because(Reason.STOP_KEY, end.message());
        case FAILED -> throw KvexpressException.because(Reason.ROLLOUT_INCOMPLETE, end.message());
      };
    }
  }

  /** Progress on stdout: a redrawn line on a terminal, else a line (or JSON) per change. */
  private static final class View implements RolloutService.View {
    private final CommandContext ctx;
    private final boolean json;
    private final boolean live;
    private String last = "";

    View(CommandContext ctx, boolean json, boolean live) {
      this.ctx = ctx;
      this.json = json;
      this.live = live;
    }

    @Override
    public void show(String phase, RolloutProgress p) {
      String text;
      if (json) {
        com.google.gson.JsonObject j = p.toJson();
        j.addProperty("phase", phase);
        text = j.toString();
      } else {
        text = phase + " " + p.line();
      }
      if (text.equals(last)) {
        return;
      }
      last = text;
      if (live) {
        ctx.env().out().print("\r\033[K" + text);
        ctx.env().out().flush();
      } else {
        ctx.say(text);
      }
    }

    void done() {
      if (live && !last.isEmpty()) {
        ctx.env().out().println();
      }
    }
  }
}
