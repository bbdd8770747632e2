package org.kvexpress.cli;

import java.nio.file.Path;
import joptsimple.OptionParser;
import joptsimple.OptionSet;
import joptsimple.OptionSpec;
import org.kvexpress.core.Checksum;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.kv.KvStore;
import org.kvexpress.log.Fields;
import org.kvexpress.ops.CopyService;
import org.kvexpress.sign.SigningKey;

/**
 * {@code kvexpress copy --from KEY --to KEY}: a verified version under another key, in one
 * transaction.
 */
final class CopyCommand implements Command<CopyCommand.Options> {
  /** The source and destination keys. */
  record Options(String from, String to, Path signKey) {}

  private OptionSpec<String> from;
  private OptionSpec<String> to;
  private OptionSpec<String> signKey;

  @Override
  public String name() {
    return "copy";
  }

  @Override
  public String usage() {
    return "kvexpress copy --from KEY --to KEY [--sign-key FILE]";
  }

  @Override
  public String summary() {
    return "copy a published key to another key in one transaction";
  }

  @Override
  public void declare(OptionParser p) {
    from =
        p.accepts("from", "source key")
            .withRequiredArg()
            .withValuesConvertedBy(Converters.KEY)
            .required();
    to =
        p.accepts("to", "destination key")
            .withRequiredArg()
            .withValuesConvertedBy(Converters.KEY)
            .required();
    signKey =
        p.accepts(
                "sign-key",
                "sign the copy for the destination key (required when the source is signed)")
            .withRequiredArg()
            .describedAs("FILE");
  }

  @Override
  public Options options(OptionSet o) {
    if (o.valueOf(from).equals(o.valueOf(to))) {
      throw KvexpressException.usage("--from and --to name the same key");
    }
    return new Options(
        o.valueOf(from), o.valueOf(to), o.has(signKey) ? Path.of(o.valueOf(signKey)) : null);
  }

  @Override
  public Outcome run(Options o, CommandContext ctx) throws InterruptedException {
    Fields summary;
    KeyLayout src = new KeyLayout(ctx.prefix(), o.from());
    KeyLayout dst = new KeyLayout(ctx.prefix(), o.to());
    ctx.fields().add("from", src.key()).add("to", dst.key());
    try (KvStore store = ctx.openStore()) {
      CopyService.Result r =
          new CopyService(store, ctx.env().clock(), ctx.env().hostname().get())
              .copy(src, dst, o.signKey() == null ? null : SigningKey.load(o.signKey()));
      summary =
          Fields.of("from", src.key())
              .add("to", dst.key())
              .add("result", r.copied() ? "copied" : "unchanged")
              .add("lines", r.lines())
              .add("checksum", Checksum.shortForm(r.checksum()))
              .add("index", r.index() == 0 ? null : r.index());
      ctx.say(
          r.copied()
              ? "copied "
                  + src.key()
                  + " to "
                  + dst.key()
                  + " ("
                  + r.lines()
                  + " lines, checksum "
                  + Checksum.shortForm(r.checksum())
                  + ")"
              : dst.key() + " already holds this version; nothing written");
    }
    return Outcome.ok(summary);
  }
}
