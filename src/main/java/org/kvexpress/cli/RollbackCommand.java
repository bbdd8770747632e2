package org.kvexpress.cli;

import java.nio.file.Path;
import joptsimple.OptionParser;
import joptsimple.OptionSet;
import joptsimple.OptionSpec;
import org.kvexpress.core.Checksum;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.kv.KvStore;
import org.kvexpress.log.Fields;
import org.kvexpress.ops.RollbackService;
import org.kvexpress.sign.SigningKey;

/** {@code kvexpress rollback -k KEY}: make the previous good version current again. */
final class RollbackCommand implements Command<RollbackCommand.Options> {
  /** The key to roll back. */
  record Options(String key, Path signKey) {}

  private OptionSpec<String> key;
  private OptionSpec<String> signKey;

  @Override
  public String name() {
    return "rollback";
  }

  @Override
  public String usage() {
    return "kvexpress rollback -k KEY [--sign-key FILE]";
  }

  @Override
  public String summary() {
    return "make the previous good version current again (current becomes last)";
  }

  @Override
  public void declare(OptionParser p) {
    key = Converters.key(p, "key to roll back").required();
    signKey =
        p.accepts(
                "sign-key",
                "sign the restored version anew, with the current time (nodes running out "
                    + "--no-older refuse it otherwise)")
            .withRequiredArg()
            .describedAs("FILE");
  }

  @Override
  public Options options(OptionSet o) {
    return new Options(o.valueOf(key), o.has(signKey) ? Path.of(o.valueOf(signKey)) : null);
  }

  @Override
  public Outcome run(Options o, CommandContext ctx) throws InterruptedException {
    Fields summary;
    KeyLayout layout = new KeyLayout(ctx.prefix(), o.key());
    ctx.about(layout.key());
    try (KvStore store = ctx.openStore()) {
      RollbackService.Result r =
          new RollbackService(store, ctx.env().clock(), ctx.env().hostname().get())
              .rollback(layout, o.signKey() == null ? null : SigningKey.load(o.signKey()));
      summary =
          Fields.of("key", layout.key())
              .add("result", "rolled_back")
              .add("from", Checksum.shortForm(r.from()))
              .add("to", Checksum.shortForm(r.to()))
              .add("lines", r.lines())
              .add("index", r.index());
      ctx.say(
          "rolled back "
              + layout.key()
              + " from "
              + Checksum.shortForm(r.from())
              + " to "
              + Checksum.shortForm(r.to())
              + " ("
              + r.lines()
              + " lines); run rollback again to undo");
    }
    return Outcome.ok(summary);
  }
}
