package org.kvexpress.cli;

import joptsimple.OptionParser;
import joptsimple.OptionSet;

/** One kvexpress command: its options, its one-line summary, and how it runs. A fresh instance per run. */
interface Command {
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

  /** Runs the command; outcomes other than success are thrown as KvexpressException. */
  ExitCode run(OptionSet options, CommandContext context) throws Exception;
}
