package org.kvexpress.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Starts the built jar as a real process, for tests that need signals, kill -9 or a clean JVM. */
public final class Jar {
  private Jar() {}

  public static Path path() {
    String p = System.getProperty("kvexpress.jar", "target/kvexpress.jar");
    Path jar = Path.of(p);
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("run 'mvn package' first: " + jar + " is missing");
    }
    return jar;
  }

  public static ProcessBuilder command(Map<String, String> env, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-jar");
    cmd.add(path().toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().remove("CONSUL_HTTP_ADDR");
    pb.environment().remove("CONSUL_HTTP_TOKEN");
    pb.environment().putAll(env);
    pb.redirectInput(new File("/dev/null"));
    return pb;
  }

  /** Runs to completion and returns exit code and combined output. */
  public static Result run(Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    Process p = command(env, args).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    return new Result(p.waitFor(), out);
  }

  /** Exit code and combined output of a finished process. */
  public record Result(int code, String output) {}
}
