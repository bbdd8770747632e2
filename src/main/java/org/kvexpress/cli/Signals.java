package org.kvexpress.cli;

import sun.misc.Signal;

/**
 * Turns SIGTERM and SIGINT into a clean stop for long-running commands, so they end with exit 0 instead
 * of the JVM's 143/130. Uses sun.misc.Signal (jdk.unsupported), falling back to a shutdown hook.
 */
final class Signals {
  private Signals() {}

  static void onTerminate(Runnable stop) {
    try {
      Signal.handle(new Signal("TERM"), s -> stop.run());
      Signal.handle(new Signal("INT"), s -> stop.run());
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      Runtime.getRuntime().addShutdownHook(new Thread(stop));
    }
  }
}
