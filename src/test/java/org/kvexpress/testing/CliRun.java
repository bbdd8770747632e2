package org.kvexpress.testing;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.kvexpress.cli.Cli;
import org.kvexpress.cli.CliEnvironment;
import org.kvexpress.cli.Command;

/** Runs the CLI in-process with captured streams, as gjf's MainTest does. */
public final class CliRun {
  /** What one run produced. */
  public record Result(int code, String out, byte[] outBytes, String err) {
    public String all() {
      return out + err;
    }
  }

  private byte[] stdin = new byte[0];
  private InputStream stdinStream;
  private final Map<String, String> env = new HashMap<>();
  private String hostname = "node-1";
  private boolean terminal;
  private final List<String> base = new ArrayList<>();
  private Clock clock = Clock.systemUTC();
  private String retryFor;

  public static CliRun cli() {
    return new CliRun();
  }

  /**
   * A CLI pointed at this agent address with a short retry budget ({@link #RETRY_FOR}, unless the
   * command line gives its own {@code --retry-for}), so failures stay fast in tests.
   */
  public static CliRun against(String agentAddress) {
    CliRun r = new CliRun();
    r.env.put("CONSUL_HTTP_ADDR", agentAddress);
    r.retryFor = RETRY_FOR;
    return r;
  }

  /** The retry budget {@link #against} gives commands that talk to Consul. */
  public static final String RETRY_FOR = "2s";

  /** Runs with this clock: the time a command sees (meta, signatures, freezes) without waiting. */
  public CliRun clock(Clock c) {
    this.clock = c;
    return this;
  }

  /** Runs with the system clock moved {@code ahead}: as if that much time had passed. */
  public CliRun later(Duration ahead) {
    return clock(Clock.offset(Clock.systemUTC(), ahead));
  }

  public CliRun stdin(byte[] bytes) {
    this.stdin = bytes;
    return this;
  }

  /** Standard input as this stream (one that fails when read proves it is never read). */
  public CliRun stdin(InputStream in) {
    this.stdinStream = in;
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

  private static boolean talksToConsul(List<String> argv) {
    for (String a : argv) {
      if (!a.startsWith("-")) {
        Command<?> c = Cli.command(a);
        return c != null && c.talksToConsul() && !argv.contains("--help") && !argv.contains("-h");
      }
    }
    return false;
  }

  public Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String host = hostname;
    CliEnvironment e =
        new CliEnvironment(
            stdinStream != null ? stdinStream : new ByteArrayInputStream(stdin),
            new PrintStream(out, true),
            new PrintStream(err, true),
            Map.copyOf(env),
            clock,
            () -> host,
            terminal);
    List<String> all = new ArrayList<>(base);
    all.addAll(List.of(args));
    if (retryFor != null && !all.contains("--retry-for") && talksToConsul(all)) {
      all.add("--retry-for");
      all.add(retryFor);
    }
    int code = new Cli(e).run(all.toArray(new String[0]));
    return new Result(
        code,
        out.toString(StandardCharsets.UTF_8),
        out.toByteArray(),
        err.toString(StandardCharsets.UTF_8));
  }
}
