package org.kvexpress.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * promtool, for the rule and exposition tests: found or fetched by .ci/fetch-promtool (Debian's
 * prometheus package, unpacked into the cache; nothing installed, no daemon).
 */
public final class Promtool {
  private static Path path;

  private Promtool() {}

  public static synchronized Path path() {
    if (path == null) {
      Result fetched =
          run(
              List.of("bash", ConsulBinary.projectRoot().resolve(".ci/fetch-promtool").toString()),
              null,
              null);
      String[] lines = fetched.out().strip().split("\n");
      if (fetched.code() != 0) {
        throw new IllegalStateException(
            "promtool is required for these tests: " + lines[lines.length - 1]);
      }
      path = Path.of(lines[lines.length - 1]);
    }
    return path;
  }

  /** What a promtool run printed and its exit code. */
  public record Result(int code, String out) {}

  /** Runs promtool with {@code args} in {@code dir}, {@code stdin} as its input (or none). */
  public static Result run(Path dir, String stdin, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(path().toString());
    cmd.addAll(List.of(args));
    return run(cmd, dir, stdin);
  }

  private static Result run(List<String> cmd, Path dir, String stdin) {
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      if (dir != null) {
        pb.directory(dir.toFile());
      }
      Process p = pb.start();
      try (var in = p.getOutputStream()) {
        if (stdin != null) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(300, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(cmd + " did not finish");
      }
      return new Result(p.exitValue(), out);
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + cmd + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
