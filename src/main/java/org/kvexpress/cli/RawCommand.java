package org.kvexpress.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import joptsimple.OptionParser;
import joptsimple.OptionSet;
import joptsimple.OptionSpec;
import org.kvexpress.apply.Applier;
import org.kvexpress.apply.ApplyInput;
import org.kvexpress.apply.ApplyResult;
import org.kvexpress.core.Checksum;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.fs.AtomicFiles;
import org.kvexpress.fs.OwnerSpec;
import org.kvexpress.kv.KvStore;
import org.kvexpress.log.Fields;
import org.kvexpress.ops.RawService;

/**
 * {@code kvexpress raw -k FULL/KEY -f FILE}: any key's raw value, written with out's discipline.
 */
final class RawCommand implements Command<RawCommand.Options> {
  /** The full key, the file and how it is written, the line guard, and the reload command. */
  record Options(
      String key, String file, int minLines, Integer mode, String owner, ExecOptions exec) {}

  private OptionSpec<String> key;
  private OptionSpec<String> file;
  private OptionSpec<Integer> minLines;
  private OptionSpec<Integer> mode;
  private OptionSpec<String> owner;
  private ExecOptions.Specs exec;

  @Override
  public String name() {
    return "raw";
  }

  @Override
  public String usage() {
    return "kvexpress raw -k FULL/KEY -f FILE [-l N] [-m MODE] [-o USER[:GROUP]] [-e CMD]";
  }

  @Override
  public String summary() {
    return "write any key's raw value to a file, atomically";
  }

  @Override
  public void declare(OptionParser p) {
    key = Converters.key(p, "the full key (no prefix is added)").required();
    file = p.acceptsAll(List.of("f", "file"), "file to write").withRequiredArg().required();
    minLines =
        p.acceptsAll(
                List.of("l", "min-lines", "length"), "refuse a value with fewer lines than this")
            .withRequiredArg()
            .withValuesConvertedBy(Converters.NON_NEGATIVE)
            .defaultsTo(10);
    mode = Converters.mode(p);
    owner = Converters.owner(p);
    exec = new ExecOptions.Specs(p, "after writing, run CMD through /bin/sh -c", false);
  }

  @Override
  public Options options(OptionSet o) {
    return new Options(
        o.valueOf(key),
        o.valueOf(file),
        o.valueOf(minLines),
        o.valueOf(mode),
        o.valueOf(owner),
        exec.read(o));
  }

  @Override
  public Outcome run(Options o, CommandContext ctx) throws Exception {
    Fields summary;
    String fullKey = o.key();
    Path target = AtomicFiles.resolveTarget(Path.of(o.file()));
    ctx.about(fullKey, target);
    // The layout only names the key for logs and KVEXPRESS_KEY; raw reads the full key as given.
    ApplyInput in =
        new ApplyInput(
            new KeyLayout("raw", fullKey),
            target,
            OwnerSpec.settings(o.mode(), o.owner()),
            new ApplyInput.Guards(o.minLines(), ApplyInput.DEFAULT_MAX_BYTES, true),
            new ApplyInput.Hooks(
                null, o.exec().command(), o.exec().timeout(), Duration.ZERO, false),
            ApplyInput.Mode.APPLY);
    try (KvStore store = ctx.openStore()) {
      Applier applier =
          new Applier(
              store,
              ctx.runner(o.exec().passToken()),
              ctx.log(),
              ctx.env().hostname().get(),
              ctx.env().clock());
      ApplyResult r = new RawService(store, applier).write(fullKey, in, target);
      summary =
          Fields.of("key", fullKey)
              .add("file", target)
              .add("result", r.outcome().word())
              .add("lines", r.lines())
              .add("bytes", r.bytes())
              .add("checksum", Checksum.shortForm(r.checksum()))
              .add("reload_exit", r.reloadExit());
      return Outcome.of(r.outcome(), r.checksum(), summary);
    }
  }
}
