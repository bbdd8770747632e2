package org.kvexpress;

import java.util.logging.Level;
import java.util.logging.Logger;
import org.kvexpress.cli.Cli;
import org.kvexpress.cli.CliEnvironment;

/** The kvexpress entry point: the only place that exits the JVM or sets process-wide state. */
public final class Main {
  /**
   * Ecwid's transport logs every request with its headers (the token among them) at FINEST: pinned
   * off, so no logging configuration can ever print the token. (Apache's commons-logging, which
   * logs headers at DEBUG, is sent nowhere by commons-logging.properties in the jar.) Held here so
   * the setting is not collected with the logger.
   */
  private static final Logger ECWID = Logger.getLogger("com.ecwid.consul");

  private Main() {}

  public static void main(String[] args) {
    ECWID.setLevel(Level.OFF);
    System.exit(new Cli(CliEnvironment.system()).run(args));
  }
}
