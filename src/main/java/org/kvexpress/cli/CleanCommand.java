package org.kvexpress.cli;

import java.nio.file.Path;
import java.util.List;
import joptsimple.OptionParser;
import joptsimple.OptionSet;
import joptsimple.OptionSpec;
import org.kvexpress.fs.AtomicFiles;
import org.kvexpress.log.Fields;

/**
 * {@code kvexpress clean -f FILE}: removes leftover staging files and Go kvexpress caches beside
 * FILE.
 */
final class CleanCommand implements Command<CleanCommand.Options> {
  /** The file whose leftovers to remove. */
  record Options(String file) {}

  private OptionSpec<String> file;

  @Override
  public String name() {
    return "clean";
  }

  @Override
  public String usage() {
    return "kvexpress clean -f FILE";
  }

  @Override
  public String summary() {
    return "remove leftover staging and cache files beside a file, ours and Go kvexpress's (FILE.kvexpress, "
        + ".compare, .last); never FILE itself, which Go's clean also deleted";
  }

  @Override
  public boolean talksToConsul() {
    return false;
  }

  @Override
  public void declare(OptionParser p) {
    file =
        p.acceptsAll(List.of("f", "file"), "the file whose leftovers to remove")
            .withRequiredArg()
            .required();
  }

  @Override
  public Options options(OptionSet o) {
    return new Options(o.valueOf(file));
  }

  @Override
  public Outcome run(Options o, CommandContext ctx) {
    Fields summary;
    Path target = Path.of(o.file()).toAbsolutePath().normalize();
    List<Path> removed = AtomicFiles.removeStaleTemps(target, true);
    for (Path p : removed) {
      ctx.say("removed " + p);
    }
    summary = Fields.of("file", target).add("removed", removed.size());
    if (removed.isEmpty()) {
      ctx.say("nothing to clean beside " + target);
    }
    return Outcome.ok(summary);
  }
}
