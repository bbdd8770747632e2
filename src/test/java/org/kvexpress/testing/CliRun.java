package org.kvexpress.testing;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.kvexpress.cli.Cli;
import org.kvexpress.cli.CliEnvironment;

/** Runs the CLI in-process with captured streams, as gjf's MainTest does. */
public final class CliRun {
  /** What one run produced. */
  public record Result(int code, String out, byte[] outBytes, String err) {
    public String all() {
      return out + err;
    }
  }

  private byte[] stdin = new byte[0];
  private final Map<String, String> env = new HashMap<>();
  private String hostname = "node-1";
  private boolean terminal;
  private final List<String> base = new ArrayList<>();

  public static CliRun cli() {
    return new CliRun();
  }

  /**
   * A CLI pointed at this agent address with a short retry budget, so failures stay fast in tests.
   */
  public static CliRun against(String agentAddress) {
    CliRun r = new CliRun();
    r.env.put("CONSUL_HTTP_ADDR", agentAddress);
    return r;
  }

  public CliRun stdin(byte[] bytes) {
    this.stdin = bytes;
    return this;
  }

  public CliRun stdin(String text) {
    return stdin(text.getBytes(StandardCharsets.UTF_8));
  }

  public CliRun env(String name, String value) {
    env.put(name, value);
    return this;
  }

  public CliRun hostname(String name) {
    this.hostname = name;
    return this;
  }

  public CliRun terminal(boolean isTerminal) {
    this.terminal = isTerminal;
    return this;
  }

  public Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String host = hostname;
    CliEnvironment e =
        new CliEnvironment(
            new ByteArrayInputStream(stdin),
            new PrintStream(out, true),
            new PrintStream(err, true),
            Map.copyOf(env),
            Clock.systemUTC(),
            () -> host,
            terminal);
    List<String> all = new ArrayList<>(base);
    all.addAll(List.of(args));
    int code = new Cli(e).run(all.toArray(new String[0]));
    return new Result(
        code,
        out.toString(StandardCharsets.UTF_8),
        out.toByteArray(),
        err.toString(StandardCharsets.UTF_8));
  }
}
