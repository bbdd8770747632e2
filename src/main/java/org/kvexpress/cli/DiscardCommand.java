package org.kvexpress.cli;

import joptsimple.OptionParser;
import joptsimple.OptionSet;
import joptsimple.OptionSpec;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.kv.KvStore;
import org.kvexpress.log.Fields;
import org.kvexpress.ops.PromoteService;

/**
 * {@code kvexpress discard -k KEY}: drop the staged version; canaries return to the current one.
 */
final class DiscardCommand implements Command<DiscardCommand.Options> {
  /** The key whose staged version to drop. */
  record Options(String key) {}

  private OptionSpec<String> key;

  @Override
  public String name() {
    return "discard";
  }

  @Override
  public String usage() {
    return "kvexpress discard -k KEY";
  }

  @Override
  public String summary() {
    return "drop the staged version; canaries return to the current one";
  }

  @Override
  public void declare(OptionParser p) {
    key = Converters.key(p, "key whose staged version to drop").required();
  }

  @Override
  public Options options(OptionSet o) {
    return new Options(o.valueOf(key));
  }

  @Override
  public Outcome run(Options o, CommandContext ctx) {
    KeyLayout layout = new KeyLayout(ctx.prefix(), o.key());
    ctx.about(layout.key());
    try (KvStore store = ctx.openStore()) {
      boolean dropped =
          new PromoteService(store, ctx.env().clock(), ctx.env().hostname().get()).discard(layout);
      ctx.say(
          dropped
              ? "discarded the staged version of "
                  + layout.key()
                  + "; canaries return to the current one"
              : layout.key() + " has no staged version; nothing to do");
      return Outcome.ok(
          Fields.of("key", layout.key()).add("result", dropped ? "discarded" : "nothing_staged"));
    }
  }
}
