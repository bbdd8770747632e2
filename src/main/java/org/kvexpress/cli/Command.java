package org.kvexpress.cli;

import joptsimple.OptionParser;
import joptsimple.OptionSet;

/**
 * One kvexpress command: its options, its one-line summary, and how it runs. A fresh instance per
 * run. The parsed options are read once into the command's immutable options record {@code O},
 * where every cross-flag rule is checked; running never looks at the OptionSet again.
 */
public interface Command<O> {
  String name();

  /** The usage line, e.g. {@code kvexpress in -k KEY [-f FILE | -u URL] [options]}. */
  String usage();

  String summary();

  /** Whether the command talks to Consul (and so takes the connection options). */
  default boolean talksToConsul() {
    return true;
  }

  /** Declares the command's own options on its parser. */
  void declare(OptionParser parser);

  /** The parsed options as this command's record; a rule they break is a usage error. */
  O options(OptionSet options);

  /** Runs the command; outcomes other than success are thrown as KvexpressException. */
  Outcome run(O options, CommandContext context) throws Exception;

  /**
   * The exit code for {@code code} (after --soft): the table of {@link ExitCode}, which a command
   * following another convention (diff follows diff(1)) maps.
   */
  default ExitCode exitCode(ExitCode code) {
    return code;
  }
}
