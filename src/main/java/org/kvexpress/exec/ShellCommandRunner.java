package org.kvexpress.exec;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@link CommandRunner} over {@code /bin/sh -c}: the operator opts into a shell by writing a
 * command string, so nothing is ever split on whitespace. stdout and stderr are captured together
 * (the last 64 KiB); on timeout the command and every process it started are killed. Consul's token
 * variables are withheld from the command (and so from a daemon it restarts) unless the operator
 * passes them on.
 */
public final class ShellCommandRunner implements CommandRunner {
  private static final int OUTPUT_LIMIT = 64 * 1024;
  private static final List<String> TOKEN_VARIABLES =
      List.of("CONSUL_HTTP_TOKEN", "CONSUL_HTTP_TOKEN_FILE");

  private final boolean passToken;

  /**
   * With {@code passToken}, commands inherit CONSUL_HTTP_TOKEN and CONSUL_HTTP_TOKEN_FILE
   * (--pass-token).
   */
  public ShellCommandRunner(boolean passToken) {
    this.passToken = passToken;
  }

  @Override
  public Result run(String command, Map<String, String> extraEnv, Duration timeout)
      throws InterruptedException {
    long start = System.nanoTime();
    ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", command).redirectErrorStream(true);
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    if (!passToken) {
      pb.environment().keySet().removeAll(TOKEN_VARIABLES);
    }
    pb.environment().putAll(extraEnv);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start /bin/sh", e);
    }
    Tail tail = new Tail(p.getInputStream());
    Thread reader = new Thread(tail, "kvexpress-exec-output");
    reader.setDaemon(true);
    reader.start();
    boolean finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (!finished) {
      killTree(p);
      p.waitFor(5, TimeUnit.SECONDS);
    }
    // A background child may keep the pipe open; do not wait for it beyond a moment.
    reader.join(finished ? 2000 : 500);
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    return new Result(finished ? p.exitValue() : -1, !finished, tail.text(), took);
  }

  private static void killTree(Process p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
  }

  /** Keeps the last {@link #OUTPUT_LIMIT} bytes of a stream. */
  private static final class Tail implements Runnable {
    private final InputStream in;
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
    private boolean truncated;

    Tail(InputStream in) {
      this.in = in;
    }

    @Override
    public void run() {
      byte[] chunk = new byte[8192];
      try (in) {
        int n;
        while ((n = in.read(chunk)) > 0) {
          synchronized (this) {
            buf.write(chunk, 0, n);
            if (buf.size() > 2 * OUTPUT_LIMIT) {
              byte[] all = buf.toByteArray();
              buf.reset();
              buf.write(all, all.length - OUTPUT_LIMIT, OUTPUT_LIMIT);
              truncated = true;
            }
          }
        }
      } catch (IOException ignored) {
        // the process went away; keep what was read
      }
    }

    synchronized String text() {
      byte[] all = buf.toByteArray();
      int from = Math.max(0, all.length - OUTPUT_LIMIT);
      String s = new String(all, from, all.length - from, StandardCharsets.UTF_8).strip();
      return (truncated || from > 0 ? "…" : "") + s;
    }
  }
}
