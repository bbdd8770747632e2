package org.kvexpress.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import joptsimple.OptionException;
import joptsimple.OptionParser;
import joptsimple.OptionSet;
import joptsimple.OptionSpec;
import joptsimple.ValueConversionException;
import org.kvexpress.compat.GoArgs;
import org.kvexpress.compat.GoConfig;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Problems;
import org.kvexpress.core.Reason;
import org.kvexpress.log.Fields;
import org.kvexpress.log.Log;
import org.kvexpress.metrics.RunMetrics;
import org.kvexpress.metrics.StatsdSink;
import org.kvexpress.metrics.TextfileSink;

/**
 * The command line: {@code kvexpress [--soft] <command> [options]}. Parses, dispatches, and turns
 * every outcome into one exit code from {@link ExitCode} and at most one error line. Holds no
 * business logic.
 */
public final class Cli {
  private final CliEnvironment env;

  /** Every command's name, in the order --help, the man page and the completion list them. */
  public static final List<String> COMMANDS =
      List.of(
          "in",
          "out",
          "raw",
          "copy",
          "stop",
          "resume",
          "lock",
          "unlock",
          "clean",
          "status",
          "rollback",
          "diff",
          "promote",
          "discard",
          "rollout",
          "replicate",
          "keygen",
          "dev-agent");

  /**
   * The command of that name, or null. Only the command that runs is built: `out` starts on every
   * node for every change, and building all of them (sixteen then, with a lambda each) cost it
   * about 5 ms of start-up on JDK 17.
   */
  public static Command<?> command(String name) {
    return switch (name) {
      case "in" -> new InCommand();
      case "out" -> new OutCommand();
      case "raw" -> new RawCommand();
      case "copy" -> new CopyCommand();
      case "stop" -> new StopCommand();
      case "resume" -> new ResumeCommand();
      case "lock" -> new LockCommand(true);
      case "unlock" -> new LockCommand(false);
      case "clean" -> new CleanCommand();
      case "status" -> new StatusCommand();
      case "rollback" -> new RollbackCommand();
      case "diff" -> new DiffCommand();
      case "promote" -> new PromoteCommand();
      case "rollout" -> new RolloutCommand();
      case "replicate" -> new ReplicateCommand();
      case "discard" -> new DiscardCommand();
      case "keygen" -> new KeygenCommand();
      case "dev-agent" -> new DevAgentCommand();
      default -> null;
    };
  }

  /** The first line of --help and of the man page. */
  public static final String TAGLINE =
      "moves configuration files to every node through Consul's KV store.";

  /** The exit codes as --help and the man page give them. */
  public static final List<String> EXIT_CODES =
      List.of(
          "0 done or nothing to do",
          "1 failure",
          "2 usage error",
          "3 refused by a guard",
          "4 halted (stop key or node lock)");

  public static final String SOFT_HELP = "--soft turns 3 and 4 into 0.";

  /** The outcome of the command this Cli ran last (what --datacenters sums up). */
  private Outcome lastOutcome;

  public Cli(CliEnvironment env) {
    this.env = env;
  }

  Outcome lastOutcome() {
    return lastOutcome;
  }

  /** A command's parser: the shared options, then its own, as every run and --help build it. */
  public static OptionParser parserFor(Command<?> command) {
    OptionParser parser = sharedOptions(command.talksToConsul());
    command.declare(parser);
    return parser;
  }

  /**
   * A parser that holds only the options every command shares (and, when it talks to Consul,
   * those).
   */
  public static OptionParser sharedOptions(boolean talksToConsul) {
    OptionParser parser = new OptionParser(false);
    new CommonOptions(parser, talksToConsul);
    return parser;
  }

  /** Runs the command line and returns the process exit code. */
  public int run(String... args) {
    List<String> rest = new ArrayList<>(List.of(args));
    boolean soft = false;
    while (!rest.isEmpty() && rest.get(0).startsWith("-")) {
      String flag = rest.remove(0);
      switch (flag) {
        case "--soft" -> soft = true;
        case "-h", "--help" -> {
          printHelp(env.out());
          return ExitCode.OK.code();
        }
        case "--version" -> {
          env.out().println("kvexpress " + BuildVersion.get());
          return ExitCode.OK.code();
        }
        default -> {
          return usage(
              null, "unknown option " + flag + " before the command; run 'kvexpress --help'");
        }
      }
    }
    if (rest.isEmpty()) {
      printHelp(env.err());
      return ExitCode.USAGE.code();
    }
    String name = rest.remove(0);
    Command<?> command = command(name);
    if (command == null) {
      return usage(null, "unknown command \"" + name + "\"; run 'kvexpress --help' for the list");
    }
    return runCommand(command, rest, soft);
  }

  /**
   * Whether a command line would be accepted, without running it: null when it parses (every value
   * converted, every cross-flag rule checked), else the usage error it would print. Documents use
   * it to prove that every command they show is one kvexpress takes.
   */
  public String usageError(String... args) {
    List<String> rest = new ArrayList<>(List.of(args));
    boolean soft = false;
    while (!rest.isEmpty() && rest.get(0).equals("--soft")) {
      rest.remove(0);
      soft = true;
    }
    if (rest.isEmpty() || rest.get(0).startsWith("-")) {
      return rest.isEmpty() || !List.of("--help", "-h", "--version").contains(rest.get(0))
          ? "no command"
          : null;
    }
    String name = rest.remove(0);
    Command<?> command = command(name);
    if (command == null) {
      return "unknown command \"" + name + "\"";
    }
    try {
      parse(command, rest, soft);
      return null;
    } catch (OptionException e) {
      return describe(e, command);
    } catch (KvexpressException e) {
      return e.getMessage();
    }
  }

  /** A command line parsed: the command's options record and the shared options. */
  private record Parsed<O>(O options, CommonOptions.Common common) {}

  /**
   * Runs one command: parse its options, build its context, run it into an {@link Outcome}, report
   * the outcome (log line, Go event, metrics) and return its exit code.
   */
  private <O> int runCommand(Command<O> command, List<String> args, boolean softBeforeCommand) {
    Parsed<O> parsed;
    CommandContext ctx;
    try {
      parsed = parse(command, args, softBeforeCommand);
      if (parsed == null) {
        return ExitCode.OK.code(); // --help
      }
      ctx = context(parsed.common());
    } catch (OptionException e) {
      return usage(command, describe(e, command));
    } catch (KvexpressException e) {
      return usage(command, e.getMessage());
    }
    CommonOptions.Connection connection = parsed.common().connection();
    if (connection != null && !connection.datacenters().isEmpty()) {
      if (EveryDatacenter.COMMANDS.contains(command.name())) {
        // `in` reads its input once, for every datacenter; with -f or -u that is not stdin.
        boolean readsStdin =
            parsed.options() instanceof InCommand.Options in && in.source().stdin();
        return new EveryDatacenter(env, parsed.common())
            .run(command.name(), args, connection.datacenters(), softBeforeCommand, readsStdin);
      }
      if (!command.name().equals("status")) {
        return usage(command, EveryDatacenter.notHere(command.name()).getMessage());
      }
    }
    long started = System.nanoTime();
    Outcome outcome = execute(command, parsed.options(), ctx);
    lastOutcome = outcome;
    if (outcome.reason() == Reason.USAGE) {
      return usage(command, ctx.log().scrub(outcome.error()));
    }
    report(command, ctx, outcome, (System.nanoTime() - started) / 1_000_000);
    return command.exitCode(outcome.code().soften(soft(command, parsed.common()))).code();
  }

  /**
   * Whether refusals and halts exit 0: with {@code --soft}, and for {@code out} and {@code raw} run
   * as a Consul watch handler (Consul sets CONSUL_INDEX for handlers), where a non-zero exit ends a
   * {@code consul watch} for good, as Go kvexpress's exit 0 never did; {@code --strict} keeps the
   * codes. The outcome is still in the log line, the report and the metrics.
   */
  private boolean soft(Command<?> command, CommonOptions.Common common) {
    boolean handler =
        env.getenv("CONSUL_INDEX") != null
            && (command.name().equals("out") || command.name().equals("raw"));
    return common.soft() || handler && !common.strict();
  }

  /**
   * The command's options and the shared ones, or null when {@code --help} printed the help. Every
   * value is converted here (jopt-simple converts lazily), so a bad one is a usage error at once.
   */
  private <O> Parsed<O> parse(Command<O> command, List<String> args, boolean softBeforeCommand) {
    OptionParser parser = new OptionParser(false);
    CommonOptions commonSpecs = new CommonOptions(parser, command.talksToConsul());
    command.declare(parser);
    OptionSet options = parser.parse(goEra(command, parser, args).toArray(new String[0]));
    for (OptionSpec<?> spec : options.specs()) {
      options.valuesOf(spec);
    }
    if (options.has(commonSpecs.help)) {
      printCommandHelp(command, parser, env.out());
      return null;
    }
    if (!options.nonOptionArguments().isEmpty()) {
      throw KvexpressException.usage(
          "unexpected argument \""
              + options.nonOptionArguments().get(0)
              + "\"; options take the form -x VALUE or --name VALUE");
    }
    CommonOptions.Common common = commonSpecs.read(options, softBeforeCommand, env);
    return new Parsed<>(command.options(options), common);
  }

  /** The context a command runs in: its log, metric sinks and the stores it opens. */
  private CommandContext context(CommonOptions.Common common) {
    Log.Level level =
        common.verbose() ? Log.Level.DEBUG : common.quiet() ? Log.Level.ERROR : Log.Level.INFO;
    Log log = new Log(env.err(), env.clock(), level, common.logFormat());
    return new CommandContext(env, log, common, metrics(common, env));
  }

  /** Runs the command; whatever it throws becomes the outcome that says so. */
  private <O> Outcome execute(Command<O> command, O options, CommandContext ctx) {
    try {
      return command.run(options, ctx);
    } catch (KvexpressException e) {
      if (ctx.common().verbose() && e.getCause() != null) {
        ctx.log().debug(command.name(), Fields.of("cause", String.valueOf(e.getCause())));
      }
      return Outcome.of(e);
    } catch (IOException | UncheckedIOException e) {
      return Outcome.failed(Reason.IO, ioMessage(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Outcome.failed(Reason.INTERRUPTED, null);
    } catch (Exception e) {
      return Outcome.failed(
          Reason.INTERNAL,
          "unexpected "
              + e.getClass().getSimpleName()
              + ": "
              + e.getMessage()
              + "; please report this with the command line (without the token)");
    }
  }

  /** The outcome's log line (summary or error), Go kvexpress's event, and the run's metrics. */
  private void report(Command<?> command, CommandContext ctx, Outcome outcome, long millis) {
    if (outcome.reason() == null) {
      if (outcome.summary() != null) {
        ctx.log()
            .info(
                command.name(), new Fields().add("dc", ctx.datacenter()).addAll(outcome.summary()));
      }
    } else {
      ctx.log()
          .error(
              command.name(),
              new Fields()
                  .add("dc", ctx.datacenter())
                  .addAll(ctx.fields())
                  .add("result", outcome.result())
                  .add("reason", outcome.reason())
                  .add("error", outcome.error()));
    }
    goEvent(command.name(), ctx.key(), outcome.reason(), ctx.sinks());
    Object file = ctx.fields().get("file");
    ctx.sinks()
        .run(
            ctx.metrics(),
            new RunMetrics.Run(
                command.name(),
                ctx.key(),
                file == null ? null : file.toString(),
                outcome.result(),
                outcome.reason(),
                outcome.checksum(),
                millis,
                ctx.retries(),
                ctx.bytes(),
                ctx.lines()));
  }

  /** The metric sinks the shared options ask for. */
  private static RunMetrics metrics(CommonOptions.Common common, CliEnvironment env) {
    return new RunMetrics(
        common.statsd() == null ? null : StatsdSink.parse(common.statsd()),
        common.datadogEvents(),
        common.goMetrics() ? env.hostname().get() : null,
        common.metricsFile() == null ? null : new TextfileSink(Path.of(common.metricsFile())),
        env.clock());
  }

  /**
   * The command line with Go kvexpress's forms translated (see {@link GoArgs}) and its -C YAML
   * config applied under the command line's own options.
   */
  private List<String> goEra(Command<?> command, OptionParser parser, List<String> args) {
    Set<String> recognized = parser.recognizedOptions().keySet();
    // out --config is this tool's JSON watch configuration with --watch (which Go kvexpress never
    // had); otherwise --config, like -C, is Go's YAML config.
    GoArgs.Result go =
        GoArgs.translate(
            args, recognized, command.name().equals("out") && args.contains("--watch"));
    List<String> argv = new ArrayList<>(go.args());
    boolean dogstatsd = go.dogstatsd();
    String address = go.dogstatsdAddress();
    boolean datadogSettings = go.datadogKeys();
    if (go.goConfig() != null) {
      GoConfig cfg = GoConfig.load(go.goConfig());
      if (cfg.consulServer() != null
          && recognized.contains("server")
          && !given(argv, "-s", "--server")) {
        argv.addAll(List.of("--server", cfg.consulServer()));
      }
      if (cfg.token() != null
          && recognized.contains("token")
          && !given(argv, "-t", "--token", "--token-file")) {
        argv.addAll(List.of("--token", cfg.token()));
      }
      dogstatsd |= cfg.dogstatsd();
      address = address != null ? address : cfg.dogstatsdAddress();
      datadogSettings |= cfg.datadogSettings();
    }
    if (dogstatsd) {
      if (!given(argv, "--statsd")) {
        argv.addAll(List.of("--statsd", address != null ? address : GoArgs.DEFAULT_DOGSTATSD));
      }
      // Go's -d sent its events and its own metric names: keep both, so its dashboards draw.
      for (String flag : List.of("--datadog-events", "--go-metrics")) {
        if (!given(argv, flag)) {
          argv.add(flag);
        }
      }
    }
    if (datadogSettings) {
      env.err()
          .println(
              "kvexpress: the Datadog API key, app key and host (-a, -A, datadog_*) are accepted for Go "
                  + "kvexpress's command lines and not used: events go through dogstatsd (-d)");
    }
    return argv;
  }

  private static boolean given(List<String> argv, String... names) {
    for (String a : argv) {
      for (String n : names) {
        if (a.equals(n) || a.startsWith(n + "=")) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Go kvexpress's Datadog events for a stop key and a file too short (the publish event is in's
   * own).
   */
  private static void goEvent(String command, String key, Reason reason, RunMetrics metrics) {
    if (reason == Reason.STOP_KEY) {
      metrics.event(
          "kvexpress " + command + ": " + key + " is stopped",
          "the stop key is set; nothing was changed",
          "warning",
          key);
    } else if (reason == Reason.TOO_FEW_LINES) {
      metrics.event(
          "kvexpress " + command + ": " + key + " is too short",
          "fewer lines than --min-lines; nothing " + "was changed",
          "error",
          key);
    }
  }

  /** An I/O failure no command turned into its own words: at least say it in words. */
  private static String ioMessage(Exception e) {
    Throwable t = e instanceof UncheckedIOException u ? u.getCause() : e;
    return "input/output failed: " + Problems.describe(t);
  }

  private static String describe(OptionException e, Command<?> command) {
    if (e.getCause() instanceof ValueConversionException) {
      return "invalid value for " + options(e) + ": " + e.getCause().getMessage();
    }
    String names = options(e);
    switch (e.getClass().getSimpleName()) {
      case "UnrecognizedOptionException":
        return "unknown option " + names;
      case "OptionMissingRequiredArgumentException":
        return "option " + names + " needs a value";
      case "MissingRequiredOptionsException":
        List<String> missing = missingOptions(e, command);
        return (missing.size() == 1 ? "missing required option " : "missing required options ")
            + String.join(" and ", missing);
      case "MultipleArgumentsForOptionException":
        return "option " + names + " is given more than once";
      default:
        String msg = e.getMessage();
        return msg.endsWith(".") ? msg.substring(0, msg.length() - 1) : msg;
    }
  }

  private static String options(OptionException e) {
    List<String> names = new ArrayList<>();
    for (String option : e.options()) {
      for (String o : option.split("/")) {
        names.add(flag(o));
      }
    }
    return String.join("/", names);
  }

  /**
   * The missing options, each as {@code -k/--key} once: jopt-simple lists every name of every
   * missing option, some more than once, so names are mapped back to their options.
   */
  private static List<String> missingOptions(OptionException e, Command<?> command) {
    Map<String, OptionSpec<?>> specs = parserFor(command).recognizedOptions();
    Set<OptionSpec<?>> missing = new LinkedHashSet<>();
    for (String option : e.options()) {
      for (String name : option.split("/")) {
        if (specs.containsKey(name)) {
          missing.add(specs.get(name));
        }
      }
    }
    List<String> out = new ArrayList<>();
    for (OptionSpec<?> spec : missing) {
      out.add(String.join("/", spec.options().stream().map(Cli::flag).toList()));
    }
    return out;
  }

  /** An option name as typed: {@code -k} for a one-letter name, {@code --key} otherwise. */
  public static String flag(String option) {
    return (option.length() == 1 ? "-" : "--") + option;
  }

  private int usage(Command<?> command, String message) {
    String who = command == null ? "kvexpress" : "kvexpress " + command.name();
    String hint = command == null ? "" : "; see 'kvexpress " + command.name() + " --help'";
    env.err().println(who + ": " + message + hint);
    return ExitCode.USAGE.code();
  }

  private void printHelp(PrintStream out) {
    out.println("kvexpress " + BuildVersion.get() + ": " + TAGLINE);
    out.println();
    out.println("Usage: kvexpress [--soft] <command> [options]");
    out.println();
    out.println("Commands:");
    for (String name : COMMANDS) {
      out.printf("  %-10s %s%n", name, command(name).summary());
    }
    out.println();
    out.println("Exit codes: " + String.join(", ", EXIT_CODES) + ".");
    out.println(SOFT_HELP);
    out.println("Run 'kvexpress <command> --help' for a command's options.");
  }

  private static void printCommandHelp(Command<?> command, OptionParser parser, PrintStream out) {
    out.println("Usage: " + command.usage());
    out.println();
    out.println(command.summary());
    out.println();
    try {
      parser.printHelpOn(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
