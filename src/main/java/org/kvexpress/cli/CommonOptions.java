package org.kvexpress.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import joptsimple.OptionParser;
import joptsimple.OptionSet;
import joptsimple.OptionSpec;
import org.kvexpress.compat.GoArgs;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Problems;
import org.kvexpress.kv.ConsulAddress;
import org.kvexpress.kv.ConsulSettings;
import org.kvexpress.kv.TlsSettings;
import org.kvexpress.kv.Token;
import org.kvexpress.log.Fields;
import org.kvexpress.log.Log;

/**
 * The options every command shares: output, --soft, and (for commands that talk to Consul) the
 * connection.
 */
final class CommonOptions {
  /**
   * The shared options as parsed; connection settings are resolved only when a command opens a
   * store.
   */
  record Common(
      boolean soft,
      boolean strict,
      boolean verbose,
      boolean quiet,
      String prefix,
      Connection connection,
      String statsd,
      boolean datadogEvents,
      boolean goMetrics,
      String metricsFile,
      Log.Format logFormat) {}

  /** Connection flags as given on the command line, before the environment is consulted. */
  record Connection(
      String server,
      String token,
      String tokenFile,
      String datacenter,
      List<String> datacenters,
      Duration retryFor) {
    /** The same connection to one other datacenter. */
    Connection in(String dc) {
      return new Connection(server, token, tokenFile, dc, List.of(), retryFor);
    }

    /** The same connection to datacenter {@code dc} with the token in {@code file}. */
    Connection in(String dc, String file) {
      return new Connection(server, null, file, dc, List.of(), retryFor);
    }
  }

  final OptionSpec<Void> help;
  final OptionSpec<Void> soft;
  private final OptionSpec<Void> strict;
  final OptionSpec<Void> verbose;
  final OptionSpec<Void> quiet;
  private final OptionSpec<String> statsd;
  private final OptionSpec<Void> datadogEvents;
  private final OptionSpec<Void> goMetrics;
  private final OptionSpec<String> metricsFile;
  private final OptionSpec<String> logFormat;
  private final OptionSpec<String> server;
  private final OptionSpec<String> token;
  private final OptionSpec<String> tokenFile;
  private final OptionSpec<String> datacenter;
  private final OptionSpec<String> datacenters;
  private final OptionSpec<String> prefix;
  private final OptionSpec<Converters.Span> retryFor;

  CommonOptions(OptionParser p, boolean consul) {
    help = p.acceptsAll(List.of("h", "help"), "show this help").forHelp();
    soft =
        p.accepts(
            "soft", "exit 0 instead of 3 (refused) or 4 (halted), for hooks that stop on failure");
    strict =
        p.accepts(
            "strict",
            "keep exit codes 3 and 4 in a Consul watch handler (CONSUL_INDEX set), where out and raw"
                + " are soft by default so one refusal does not end the watch");
    verbose = p.acceptsAll(List.of("v", "verbose"), "log each step");
    quiet = p.acceptsAll(List.of("q", "quiet"), "log only errors, refusals and halts");
    logFormat =
        p.accepts("log-format", "text (key=value) or json (one object per line)")
            .withRequiredArg()
            .describedAs("text|json")
            .defaultsTo("text");
    statsd =
        p.accepts(
                "statsd",
                "send dogstatsd metrics over UDP to HOST:PORT (default: KVEXPRESS_STATSD_ADDR)")
            .withRequiredArg()
            .describedAs("HOST:PORT");
    datadogEvents =
        p.accepts(
            "datadog-events",
            "with --statsd, also send Datadog events (a publish with its diff, "
                + "a stop key, a file too short) as dogstatsd event datagrams, as Go kvexpress's -d did");
    goMetrics =
        p.accepts(
            "go-metrics",
            "with --statsd, also send Go kvexpress's metric names (kvexpress.in, kvexpress.out, "
                + "kvexpress.time, …) with its key, host, direction and location tags; Go's -d does");
    metricsFile =
        p.accepts(
                "metrics-file", "keep node_exporter textfile metrics in FILE (written atomically)")
            .withRequiredArg()
            .describedAs("FILE");
    if (!consul) {
      server = token = tokenFile = datacenter = datacenters = prefix = null;
      retryFor = null;
      return;
    }
    server =
        p.acceptsAll(
                List.of("s", "server"),
                "Consul HTTP address (default: CONSUL_HTTP_ADDR, else "
                    + ConsulAddress.DEFAULT
                    + ")")
            .withRequiredArg()
            .describedAs("[http[s]://]HOST:PORT");
    token =
        p.acceptsAll(
                List.of("t", "token"),
                "ACL token (default: CONSUL_HTTP_TOKEN_FILE, CONSUL_HTTP_TOKEN); visible in ps, prefer --token-file")
            .withRequiredArg()
            .describedAs("TOKEN");
    tokenFile =
        p.accepts("token-file", "read the ACL token from FILE (wins over -t)")
            .withRequiredArg()
            .describedAs("FILE");
    datacenter =
        p.accepts("datacenter", "Consul datacenter (?dc=)").withRequiredArg().describedAs("DC");
    datacenters =
        p.accepts(
                "datacenters",
                "do it in each of these datacenters, one after the other, through the local agent"
                    + " (in, copy, rollback, stop, resume, promote, discard, status)")
            .withRequiredArg()
            .withValuesSeparatedBy(',')
            .describedAs("DC,DC,…");
    prefix =
        p.acceptsAll(List.of("p", "prefix"), "KV prefix kvexpress keeps its keys under")
            .withRequiredArg()
            .withValuesConvertedBy(Converters.PREFIX)
            .defaultsTo("kvexpress");
    retryFor =
        p.accepts("retry-for", "give up on an unreachable or failing Consul after this long")
            .withRequiredArg()
            .withValuesConvertedBy(Converters.DURATION)
            .defaultsTo(Converters.Span.of(ConsulSettings.DEFAULT_RETRY_FOR));
  }

  Common read(OptionSet o, boolean softBeforeCommand, CliEnvironment env) {
    if (o.has(verbose) && o.has(quiet)) {
      throw KvexpressException.usage("cannot use --verbose and --quiet together");
    }
    Log.Format format =
        switch (o.valueOf(logFormat)) {
          case "text" -> Log.Format.TEXT;
          case "json" -> Log.Format.JSON;
          default ->
              throw KvexpressException.usage(
                  "--log-format must be text or json, not \"" + o.valueOf(logFormat) + "\"");
        };
    String statsdAddr = o.has(statsd) ? o.valueOf(statsd) : env.getenv("KVEXPRESS_STATSD_ADDR");
    Connection c =
        server == null
            ? null
            : new Connection(
                o.valueOf(server),
                o.valueOf(token),
                o.valueOf(tokenFile),
                o.valueOf(datacenter),
                List.copyOf(new LinkedHashSet<>(o.valuesOf(datacenters))),
                o.valueOf(retryFor).value());
    if (c != null && c.datacenter() != null && !c.datacenters().isEmpty()) {
      throw KvexpressException.usage(
          "give either --datacenter DC or --datacenters DC,DC, not both");
    }
    if (c != null && c.datacenters().stream().anyMatch(String::isBlank)) {
      throw KvexpressException.usage("--datacenters takes names separated by commas, e.g. dc1,dc2");
    }
    if (o.has(datadogEvents) && statsdAddr == null) {
      throw KvexpressException.usage(
          "--datadog-events needs --statsd HOST:PORT (or -d, as in Go kvexpress)");
    }
    if (o.has(goMetrics) && statsdAddr == null) {
      throw KvexpressException.usage(
          "--go-metrics needs --statsd HOST:PORT (or -d, as in Go kvexpress)");
    }
    if (o.has(soft) && o.has(strict)) {
      throw KvexpressException.usage("cannot use --soft and --strict together; pick one");
    }
    // KVEXPRESS_DEBUG set turned on Go kvexpress's debug logging (any value but a false one: Go
    // tested only that it was set); here it is --verbose.
    String goDebug = env.getenv("KVEXPRESS_DEBUG");
    boolean debug =
        goDebug != null && !Boolean.FALSE.equals(GoArgs.parseBool(goDebug)) && !o.has(quiet);
    return new Common(
        softBeforeCommand || o.has(soft),
        o.has(strict),
        o.has(verbose) || debug,
        o.has(quiet),
        prefix == null ? null : o.valueOf(prefix),
        c,
        statsdAddr,
        o.has(datadogEvents),
        o.has(goMetrics),
        o.valueOf(metricsFile),
        format);
  }

  /**
   * Resolves the connection the way Consul's CLI does (Consul's CLI environment variables): flags
   * first, then CONSUL_* variables. Token precedence: --token-file, -t, CONSUL_HTTP_TOKEN_FILE,
   * CONSUL_HTTP_TOKEN; none means no token.
   */
  static ConsulSettings settings(Connection c, CliEnvironment env, Log log) {
    boolean ssl = parseBool(env, "CONSUL_HTTP_SSL", false);
    String addr =
        c.server() != null
            ? c.server()
            : env.getenv("CONSUL_HTTP_ADDR") != null
                ? env.getenv("CONSUL_HTTP_ADDR")
                : ConsulAddress.DEFAULT;
    ConsulAddress address = ConsulAddress.parse(addr, ssl);
    String secret;
    if (c.tokenFile() != null) {
      secret = readTokenFile(c.tokenFile(), "--token-file", log);
    } else if (c.token() != null) {
      secret = c.token();
    } else if (env.getenv("CONSUL_HTTP_TOKEN_FILE") != null) {
      secret = readTokenFile(env.getenv("CONSUL_HTTP_TOKEN_FILE"), "CONSUL_HTTP_TOKEN_FILE", log);
    } else {
      secret = env.getenv("CONSUL_HTTP_TOKEN");
    }
    Token tok = Token.ofNullable(secret);
    if (tok != null) {
      log.redact(tok.secret());
    }
    // Consul's Go client treats an unparsable CONSUL_HTTP_SSL_VERIFY as false and turns
    // verification off; here only an explicit false does (parseBool refuses anything else).
    boolean verify = parseBool(env, "CONSUL_HTTP_SSL_VERIFY", true);
    TlsSettings tls =
        new TlsSettings(
            env.getenv("CONSUL_CACERT"),
            env.getenv("CONSUL_CAPATH"),
            env.getenv("CONSUL_CLIENT_CERT"),
            env.getenv("CONSUL_CLIENT_KEY"),
            verify,
            env.getenv("CONSUL_TLS_SERVER_NAME"));
    return new ConsulSettings(address, tok, tls, c.datacenter(), c.retryFor());
  }

  private static String readTokenFile(String file, String source, Log log) {
    Path path = Path.of(file);
    try {
      String t = Files.readString(path).strip();
      if (t.isEmpty()) {
        throw KvexpressException.usage(
            "token file " + file + " (" + source + ") is empty; write the token into it");
      }
      warnIfShared(path, log);
      return t;
    } catch (NoSuchFileException e) {
      throw KvexpressException.usage("token file " + file + " (" + source + ") does not exist");
    } catch (IOException e) {
      throw KvexpressException.usage(
          "cannot read token file " + file + " (" + source + "): " + Problems.describe(e, file));
    }
  }

  private static void warnIfShared(Path path, Log log) {
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(path);
      if (perms.contains(PosixFilePermission.GROUP_READ)
          || perms.contains(PosixFilePermission.OTHERS_READ)) {
        log.warn(
            "cli",
            Fields.of("warning", "token file is readable by group or others")
                .add("file", path)
                .add("fix", "chmod 600 " + path));
      }
    } catch (IOException | UnsupportedOperationException ignored) {
      // not a POSIX file system: nothing to check
    }
  }

  private static boolean parseBool(CliEnvironment env, String name, boolean dflt) {
    String v = env.getenv(name);
    if (v == null) {
      return dflt;
    }
    Boolean b = GoArgs.parseBool(v);
    if (b == null) {
      // Never guess a TLS setting: reading "yes" as false would send the token in clear, or trust
      // any server.
      throw KvexpressException.usage(name + "=" + v + " is not a boolean; set it to true or false");
    }
    return b;
  }
}
