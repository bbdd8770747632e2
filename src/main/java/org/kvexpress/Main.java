package org.kvexpress;

import org.kvexpress.cli.Cli;
import org.kvexpress.cli.CliEnvironment;

/** The kvexpress entry point: the only place that exits the JVM. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(new Cli(CliEnvironment.system()).run(args));
  }
}
