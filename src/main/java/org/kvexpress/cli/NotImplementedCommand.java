package org.kvexpress.cli;

import joptsimple.OptionParser;
import joptsimple.OptionSet;
import org.kvexpress.core.KvexpressException;

/** A command that is listed but not built yet: it says so and exits 1. */
final class NotImplementedCommand implements Command {
  private final String name;
  private final String summary;

  NotImplementedCommand(String name, String summary) {
    this.name = name;
    this.summary = summary;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String usage() {
    return "kvexpress " + name + " [options]";
  }

  @Override
  public String summary() {
    return summary;
  }

  @Override
  public void declare(OptionParser parser) {
    parser.allowsUnrecognizedOptions();
  }

  @Override
  public ExitCode run(OptionSet options, CommandContext context) {
    throw KvexpressException.failure("not_implemented", "kvexpress " + name + " is not implemented yet");
  }
}
