package org.kvexpress.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import joptsimple.OptionParser;
import joptsimple.OptionSet;
import joptsimple.OptionSpec;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.Result;
import org.kvexpress.kv.KvStore;
import org.kvexpress.log.Fields;
import org.kvexpress.ops.DiffService;

/**
 * {@code kvexpress diff -k KEY [-f FILE]}: unified diff from last (or a local file) to the current
 * data.
 */
final class DiffCommand implements Command<DiffCommand.Options> {
  /** The key, and a local file to compare instead of last (or null). */
  record Options(String key, String file) {}

  private OptionSpec<String> key;
  private OptionSpec<String> file;

  @Override
  public String name() {
    return "diff";
  }

  @Override
  public String usage() {
    return "kvexpress diff -k KEY [-f FILE]";
  }

  @Override
  public String summary() {
    return "show what changed between last and current, or between a local file and current";
  }

  @Override
  public void declare(OptionParser p) {
    key = Converters.key(p, "published key").required();
    file =
        p.acceptsAll(List.of("f", "file"), "compare this local file instead of last")
            .withRequiredArg();
  }

  @Override
  public Options options(OptionSet o) {
    return new Options(o.valueOf(key), o.valueOf(file));
  }

  @Override
  public Outcome run(Options o, CommandContext ctx) throws IOException {
    KeyLayout layout = new KeyLayout(ctx.prefix(), o.key());
    ctx.about(layout.key());
    DiffService.Result r;
    try (KvStore store = ctx.openStore()) {
      r = new DiffService(store).diff(layout, o.file() == null ? null : Path.of(o.file()));
    }
    ctx.env().out().write(r.diff());
    ctx.env().out().flush();
    Fields summary =
        Fields.of("key", layout.key())
            .add("result", r.same() ? "same" : "different")
            .add("from", r.from());
    return r.same()
        ? Outcome.ok(summary)
        : new Outcome(Result.OK, null, null, summary, null, ExitCode.DIFFERENT);
  }

  /** As diff(1): 0 the same, 1 different, 2 trouble (whatever kept it from comparing). */
  @Override
  public ExitCode exitCode(ExitCode code) {
    return code == ExitCode.OK || code == ExitCode.DIFFERENT ? code : ExitCode.TROUBLE;
  }
}
