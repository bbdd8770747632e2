package org.kvexpress.cli;

import java.time.Duration;
import java.util.List;
import joptsimple.OptionParser;
import joptsimple.OptionSet;
import joptsimple.OptionSpec;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.kv.KvStore;
import org.kvexpress.log.Fields;
import org.kvexpress.ops.StopService;

/** {@code kvexpress stop -k KEY -r REASON}: halt every in and out of a key. */
final class StopCommand implements Command<StopCommand.Options> {
  /** The key to stop and why (not blank). */
  record Options(String key, String reason, Duration lasting) {}

  private OptionSpec<String> key;
  private OptionSpec<String> reason;
  private OptionSpec<Converters.Span> lasting;

  @Override
  public String name() {
    return "stop";
  }

  @Override
  public String usage() {
    return "kvexpress stop -k KEY -r REASON [--for DURATION]";
  }

  @Override
  public String summary() {
    return "halt every in and out of a key, with a reason";
  }

  @Override
  public void declare(OptionParser p) {
    key = Converters.key(p, "key to stop").required();
    reason =
        p.acceptsAll(List.of("r", "reason"), "why; stored with your user, host and the time")
            .withRequiredArg()
            .required();
    lasting =
        p.accepts(
                "for",
                "the stop ends by itself after this long (e.g. 2h; an absolute UTC time from this "
                    + "machine's clock is stored); status shows it as expired until resume removes it")
            .withRequiredArg()
            .withValuesConvertedBy(Converters.DURATION);
  }

  @Override
  public Options options(OptionSet o) {
    if (o.valueOf(reason).isBlank()) {
      throw KvexpressException.usage("-r/--reason must say why the key is stopped");
    }
    if (o.has(lasting) && o.valueOf(lasting).value().isZero()) {
      throw KvexpressException.usage("--for must be a positive duration such as 30m or 2h");
    }
    return new Options(
        o.valueOf(key),
        o.valueOf(reason).strip(),
        o.has(lasting) ? o.valueOf(lasting).value() : null);
  }

  @Override
  public Outcome run(Options o, CommandContext ctx) {
    Fields summary;
    KeyLayout layout = new KeyLayout(ctx.prefix(), o.key());
    ctx.about(layout.key());
    try (KvStore store = ctx.openStore()) {
      StopService.Result r =
          new StopService(store)
              .stop(
                  layout,
                  ctx.stamp().describe("stopped", o.reason(), null, o.lasting()),
                  ctx.stamp().ends(o.lasting()));
      summary =
          Fields.of("key", layout.key())
              .add("result", r.changed() ? "stopped" : "already_stopped")
              .add("stop", r.value());
      ctx.say(
          r.changed()
              ? "stopped " + layout.key() + ": " + r.value()
              : layout.key() + " was already stopped, left as it is: " + r.value());
    }
    return Outcome.ok(summary);
  }
}
