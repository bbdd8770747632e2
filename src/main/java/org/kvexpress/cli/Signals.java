package org.kvexpress.cli;

import java.util.function.IntConsumer;
import sun.misc.Signal;

/**
 * Turns SIGTERM and SIGINT into a clean stop for long-running commands instead of the JVM's
 * immediate exit (which would leave a running reload without its watcher). The handler gets the
 * signal's number. Uses sun.misc.Signal (jdk.unsupported), falling back to a shutdown hook.
 */
final class Signals {
  private Signals() {}

  static void onTerminate(IntConsumer stop) {
    try {
      Signal.handle(new Signal("TERM"), s -> stop.accept(s.getNumber()));
      Signal.handle(new Signal("INT"), s -> stop.accept(s.getNumber()));
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> stop.accept(15)));
    }
  }
}
