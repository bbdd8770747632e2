package org.kvexpress.cli;

import joptsimple.OptionParser;
import joptsimple.OptionSet;
import joptsimple.OptionSpec;
import org.kvexpress.core.Checksum;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.Result;
import org.kvexpress.kv.KvStore;
import org.kvexpress.log.Fields;
import org.kvexpress.ops.PromoteService;

/** {@code kvexpress promote -k KEY}: make the staged version current once the canaries hold it. */
final class PromoteCommand implements Command<PromoteCommand.Options> {
  /**
   * The key, whether to skip the canary check, and how many canaries must hold the staged version.
   */
  record Options(String key, boolean force, int minCanaries) {}

  private OptionSpec<String> key;
  private OptionSpec<Void> force;
  private OptionSpec<Integer> minCanaries;

  @Override
  public String name() {
    return "promote";
  }

  @Override
  public String usage() {
    return "kvexpress promote -k KEY [--min-canaries N] [--force]";
  }

  @Override
  public String summary() {
    return "make the staged version current once every reporting canary holds it";
  }

  @Override
  public void declare(OptionParser p) {
    key = Converters.key(p, "key whose staged version to promote").required();
    minCanaries =
        p.accepts(
                "min-canaries",
                "at least this many canaries must report holding the staged version")
            .withRequiredArg()
            .withValuesConvertedBy(Converters.NON_NEGATIVE)
            .defaultsTo(1);
    force = p.accepts("force", "promote whatever the canaries report");
  }

  @Override
  public Options options(OptionSet o) {
    return new Options(o.valueOf(key), o.has(force), o.valueOf(minCanaries));
  }

  @Override
  public Outcome run(Options o, CommandContext ctx) throws InterruptedException {
    KeyLayout layout = new KeyLayout(ctx.prefix(), o.key());
    ctx.about(layout.key());
    try (KvStore store = ctx.openStore()) {
      PromoteService.Promoted r =
          new PromoteService(store, ctx.env().clock(), ctx.env().hostname().get())
              .promote(layout, o.force(), o.minCanaries());
      ctx.say(
          "promoted "
              + layout.key()
              + " from "
              + (r.from() == null ? "nothing" : Checksum.shortForm(r.from()))
              + " to "
              + Checksum.shortForm(r.to())
              + " (held by canaries: "
              + (r.canaries().isEmpty() ? "none" : String.join(", ", r.canaries()))
              + "); 'kvexpress rollback -k "
              + layout.key()
              + "' undoes it");
      return Outcome.of(
          Result.PROMOTED,
          r.to(),
          Fields.of("key", layout.key())
              .add("result", "promoted")
              .add("from", r.from() == null ? null : Checksum.shortForm(r.from()))
              .add("to", Checksum.shortForm(r.to()))
              .add("canaries", r.canaries().size())
              .add("forced", o.force() ? Boolean.TRUE : null)
              .add("index", r.index()));
    }
  }
}
