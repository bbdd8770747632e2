package org.kvexpress.exec;

import java.time.Duration;
import java.util.Map;

/** Runs an operator-chosen shell command: the seam between kvexpress and child processes. */
public interface CommandRunner {
  /**
   * What happened to a command: its exit code (or -1 when killed), whether it timed out, and its
   * output.
   */
  record Result(int exitCode, boolean timedOut, String output, Duration took) {
    public boolean succeeded() {
      return !timedOut && exitCode == 0;
    }

    /** The last line of the output: usually the error worth putting in a one-line message. */
    public String lastLine() {
      String s = output.strip();
      int nl = s.lastIndexOf('\n');
      return nl < 0 ? s : s.substring(nl + 1);
    }
  }

  /**
   * Runs {@code command} through {@code /bin/sh -c}, with {@code extraEnv} added to the inherited
   * environment, killing it (and its children) when {@code timeout} expires.
   */
  Result run(String command, Map<String, String> extraEnv, Duration timeout)
      throws InterruptedException;
}
