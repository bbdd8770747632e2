package org.kvexpress.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import joptsimple.OptionParser;
import joptsimple.OptionSet;
import joptsimple.OptionSpec;
import org.kvexpress.core.Encoding;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Reason;
import org.kvexpress.core.UnifiedDiff;
import org.kvexpress.kv.KeySnapshot;
import org.kvexpress.kv.KvStore;
import org.kvexpress.kv.VersionStore;
import org.kvexpress.log.Fields;

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
    key =
        p.acceptsAll(List.of("k", "key"), "published key")
            .withRequiredArg()
            .withValuesConvertedBy(Converters.KEY)
            .required();
    file =
        p.acceptsAll(List.of("f", "file"), "compare this local file instead of last")
            .withRequiredArg();
  }

  @Override
  public Options options(OptionSet o) {
    return new Options(o.valueOf(key), o.valueOf(file));
  }

  @Override
  public CommandResult run(Options o, CommandContext ctx) throws IOException {
    Fields summary;
    KeyLayout layout = new KeyLayout(ctx.prefix(), o.key());
    ctx.fields().add("key", layout.key());
    try (KvStore store = ctx.openStore()) {
      KeySnapshot s = KeySnapshot.read(store, layout);
      if (s.data() == null) {
        store.confirmAbsent(layout.data());
        throw KvexpressException.refused(
            Reason.NOTHING_PUBLISHED, "nothing published under " + layout.dir());
      }
      VersionStore versions = new VersionStore(store, ctx.env().clock());
      byte[] current = versions.decoded(layout, s.data(), Encoding.MAX_DECODED_BYTES);
      byte[] before;
      String label;
      if (o.file() != null) {
        Path f = Path.of(o.file());
        try {
          before = Files.readAllBytes(f);
        } catch (NoSuchFileException e) {
          throw KvexpressException.usage("-f " + f + " does not exist");
        }
        label = f.toString();
      } else {
        if (s.last() == null) {
          store.confirmAbsent(layout.last());
          throw KvexpressException.refused(
              Reason.NOTHING_TO_COMPARE, layout.dir() + " has no last version to compare");
        }
        before = versions.decoded(layout, s.last(), Encoding.MAX_DECODED_BYTES);
        label = layout.last();
      }
      byte[] diff = UnifiedDiff.diff(label, before, layout.data(), current, 3);
      ctx.env().out().write(diff);
      ctx.env().out().flush();
      summary =
          Fields.of("key", layout.key())
              .add("result", diff.length == 0 ? "same" : "different")
              .add("from", label);
    }
    return CommandResult.ok(summary);
  }
}
