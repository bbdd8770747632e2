package org.kvexpress.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * What the CLI may take from the outside world: streams, environment variables, clock, host name,
 * whether stdin is a terminal, and how a long-running command hears that it should stop. Only
 * {@link Main} builds the real one; tests build their own.
 */
public record CliEnvironment(
    InputStream in,
    PrintStream out,
    PrintStream err,
    Map<String, String> env,
    Clock clock,
    Supplier<String> hostname,
    boolean stdinIsTerminal,
    Termination termination) {

  /**
   * Where a long-running command ({@code out --watch}, {@code dev-agent}) registers what stops it;
   * the process's own one is SIGTERM and SIGINT, handed the signal's number.
   */
  public interface Termination {
    void onTerminate(IntConsumer stop);

    /**
     * For runs inside another program (tests, the start-up training): nothing ever asks to stop.
     */
    Termination NONE = stop -> {};
  }

  /** An environment for a run inside another program: no signals are taken over. */
  public CliEnvironment(
      InputStream in,
      PrintStream out,
      PrintStream err,
      Map<String, String> env,
      Clock clock,
      Supplier<String> hostname,
      boolean stdinIsTerminal) {
    this(in, out, err, env, clock, hostname, stdinIsTerminal, Termination.NONE);
  }

  /** The process's own environment. */
  public static CliEnvironment system() {
    return new CliEnvironment(
        System.in,
        System.out,
        System.err,
        System.getenv(),
        Clock.systemUTC(),
        CliEnvironment::systemHostname,
        isTerminal(0),
        Signals::onTerminate);
  }

  public String getenv(String name) {
    String v = env.get(name);
    return v == null || v.isEmpty() ? null : v;
  }

  /**
   * The short host name, as Go's os.Hostname() gives it (so lock keys match Go kvexpress nodes).
   */
  static String systemHostname() {
    try {
      Path etc = Path.of("/proc/sys/kernel/hostname");
      if (Files.isReadable(etc)) {
        String h = Files.readString(etc).trim();
        if (!h.isEmpty()) {
          return h;
        }
      }
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }

  /**
   * Whether file descriptor {@code fd} (0 stdin, 1 stdout) is a terminal; Java 17 has no direct
   * call, so ask /proc, then fall back to System.console().
   */
  static boolean isTerminal(int fd) {
    try {
      Path target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd));
      String t = target.toString();
      return t.startsWith("/dev/pts/") || t.startsWith("/dev/tty") || t.equals("/dev/console");
    } catch (IOException | UnsupportedOperationException e) {
      return System.console() != null;
    }
  }
}
