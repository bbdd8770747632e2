package org.kvexpress.cli;

import joptsimple.OptionParser;
import joptsimple.OptionSet;
import joptsimple.OptionSpec;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.kv.KvStore;
import org.kvexpress.log.Fields;
import org.kvexpress.ops.StopService;

/** {@code kvexpress resume -k KEY}: remove a key's stop. */
final class ResumeCommand implements Command<ResumeCommand.Options> {
  /** The key to resume. */
  record Options(String key) {}

  private OptionSpec<String> key;

  @Override
  public String name() {
    return "resume";
  }

  @Override
  public String usage() {
    return "kvexpress resume -k KEY";
  }

  @Override
  public String summary() {
    return "remove a key's stop";
  }

  @Override
  public void declare(OptionParser p) {
    key = Converters.key(p, "key to resume").required();
  }

  @Override
  public Options options(OptionSet o) {
    return new Options(o.valueOf(key));
  }

  @Override
  public Outcome run(Options o, CommandContext ctx) {
    Fields summary;
    KeyLayout layout = new KeyLayout(ctx.prefix(), o.key());
    ctx.about(layout.key());
    try (KvStore store = ctx.openStore()) {
      StopService.Result r = new StopService(store).resume(layout);
      summary =
          Fields.of("key", layout.key()).add("result", r.changed() ? "resumed" : "not_stopped");
      ctx.say(
          r.changed()
              ? "resumed " + layout.key() + " (was stopped: " + r.value() + ")"
              : layout.key() + " was not stopped; nothing to do");
    }
    return Outcome.ok(summary);
  }
}
