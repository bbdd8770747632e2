package org.kvexpress.cli;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import joptsimple.OptionParser;
import joptsimple.OptionSet;
import joptsimple.OptionSpec;
import joptsimple.ValueConversionException;
import org.kvexpress.apply.Applier;
import org.kvexpress.apply.ApplyInput;
import org.kvexpress.apply.ApplyResult;
import org.kvexpress.apply.WatchConfig;
import org.kvexpress.apply.WatchHandler;
import org.kvexpress.apply.Watcher;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.KeyNames;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Result;
import org.kvexpress.fs.OwnerSpec;
import org.kvexpress.kv.KvStore;
import org.kvexpress.log.Fields;
import org.kvexpress.metrics.Metrics;
import org.kvexpress.metrics.MetricsServer;
import org.kvexpress.metrics.RunMetrics;
import org.kvexpress.metrics.WatcherMetrics;
import org.kvexpress.sign.TrustedKeys;

/** {@code kvexpress out}: verify a published file and apply it atomically, once or as a watcher. */
final class OutCommand implements Command<OutCommand.Options> {
  /**
   * What to apply (one key to one file, or a watch configuration file), how the file is written,
   * what the data must pass, the commands around the swap, and how the run behaves.
   */
  record Options(
      String key,
      String file,
      String config,
      Integer mode,
      String owner,
      ApplyInput.Guards guards,
      Trust trust,
      Hooks hooks,
      Brakes brakes,
      String hostname,
      Run run) {}

  /**
   * {@code --trust-key} files or directories (none: signatures are not checked) and {@code
   * --no-older}.
   */
  record Trust(List<Path> keys, boolean noOlder) {}

  /**
   * {@code --check} and {@code -e} (null when none), their timeout and token, and the reload's
   * splay and undo.
   */
  record Hooks(String check, ExecOptions exec, Duration splay, boolean restoreOnFailure) {}

  /**
   * The rollout brakes as given (docs/rollouts.md); {@code settle} null when not given (a health
   * gate then waits {@link ApplyInput.Brakes#DEFAULT_HEALTHY_SETTLE}).
   */
  record Brakes(
      int reloadSlots,
      Duration settle,
      List<String> healthServices,
      List<String> healthChecks,
      Duration healthyWithin) {
    ApplyInput.Brakes resolved() {
      boolean gated = !healthServices.isEmpty() || !healthChecks.isEmpty();
      Duration s =
          settle != null
              ? settle
              : gated ? ApplyInput.Brakes.DEFAULT_HEALTHY_SETTLE : Duration.ZERO;
      return new ApplyInput.Brakes(reloadSlots, s, healthServices, healthChecks, healthyWithin);
    }
  }

  /**
   * How the run behaves: once or {@code --watch} (with its {@code --wait}), dry run, node report,
   * canary.
   */
  record Run(
      boolean watch,
      Duration longestWait,
      boolean dryRun,
      boolean report,
      boolean canary,
      InetSocketAddress metricsAddr) {}

  static final Duration MAX_WAIT = Duration.ofMinutes(5);

  private OptionSpec<String> key;
  private OptionSpec<String> file;
  private OptionSpec<Integer> mode;
  private OptionSpec<String> owner;
  private OptionSpec<Integer> minLines;
  private OptionSpec<Long> maxBytes;
  private OptionSpec<Void> ignoreStop;
  private OptionSpec<String> check;
  private ExecOptions.Specs exec;
  private OptionSpec<Converters.Span> splay;
  private OptionSpec<Void> restore;
  private OptionSpec<String> hostname;
  private OptionSpec<Void> dryRun;
  private OptionSpec<Void> watch;
  private OptionSpec<String> config;
  private OptionSpec<Converters.Span> wait;
  private OptionSpec<Void> report;
  private OptionSpec<String> trustKey;
  private OptionSpec<Void> noOlder;
  private OptionSpec<Void> canary;
  private OptionSpec<String> metricsAddr;
  private OptionSpec<Integer> reloadSlots;
  private OptionSpec<Converters.Span> settle;
  private OptionSpec<String> healthService;
  private OptionSpec<String> healthCheck;
  private OptionSpec<Converters.Span> healthyWithin;

  @Override
  public String name() {
    return "out";
  }

  @Override
  public String usage() {
    return "kvexpress out -k KEY -f FILE [options]   |   kvexpress out --watch (-k KEY -f FILE | --config FILE)";
  }

  @Override
  public String summary() {
    return "verify a published file and apply it atomically on this node";
  }

  @Override
  public void declare(OptionParser p) {
    key = Converters.key(p, "published key to apply");
    file =
        p.acceptsAll(List.of("f", "file"), "file to write").withRequiredArg().describedAs("FILE");
    mode = Converters.mode(p);
    owner = Converters.owner(p);
    minLines =
        p.acceptsAll(List.of("l", "min-lines", "length"), "refuse data with fewer lines than this")
            .withRequiredArg()
            .withValuesConvertedBy(Converters.NON_NEGATIVE)
            .defaultsTo(10);
    maxBytes =
        p.accepts("max-bytes", "refuse data that decodes to more than this many bytes")
            .withRequiredArg()
            .ofType(Long.class)
            .defaultsTo(ApplyInput.DEFAULT_MAX_BYTES);
    ignoreStop = p.accepts("ignore-stop", "apply even while the key's stop is set");
    check =
        p.accepts(
                "check",
                "run CMD on the staged file before the swap; {} is its path; non-zero refuses")
            .withRequiredArg()
            .describedAs("CMD");
    exec = new ExecOptions.Specs(p, "after writing, run CMD through /bin/sh -c (the reload)", true);
    splay =
        p.accepts(
                "splay",
                "wait a random time below this before the reload, so nodes do not reload at once")
            .withRequiredArg()
            .withValuesConvertedBy(Converters.DURATION)
            .defaultsTo(Converters.Span.of(Duration.ZERO));
    restore =
        p.accepts(
            "restore-on-failure",
            "if the reload fails, put the previous file back and reload again");
    hostname =
        p.accepts("hostname", "node name for locks (default: this machine's hostname)")
            .withRequiredArg()
            .describedAs("NAME");
    dryRun = p.accepts("dry-run", "do everything but write the file and run commands");
    watch = p.accepts("watch", "keep running: apply every new version (blocking queries)");
    config =
        p.accepts("config", "with --watch: JSON file listing several key/file entries")
            .withRequiredArg()
            .describedAs("FILE");
    report =
        p.accepts(
            "report",
            "after each apply or refusal, write what happened to <prefix>/<key>/nodes/<hostname>"
                + " (skipped when nothing changed); status shows convergence from these");
    trustKey =
        p.accepts(
                "trust-key",
                "apply only versions signed by this public key (a .pub file, or a directory "
                    + "of them; repeatable)")
            .withRequiredArg()
            .describedAs("FILE|DIR");
    noOlder =
        p.accepts(
            "no-older",
            "with --trust-key: refuse a version signed earlier than the one this file last "
                + "received (a replay)");
    canary =
        p.accepts(
            "canary",
            "this node is a canary: it applies the staged version (in --stage) while there is "
                + "one, and says so in its --report");
    metricsAddr =
        p.accepts(
                "metrics-addr",
                "with --watch: serve Prometheus /metrics and /healthz on [HOST:]PORT (loopback"
                    + " when only a port is given)")
            .withRequiredArg()
            .describedAs("[HOST:]PORT");
    reloadSlots =
        p.accepts(
                "reload-slots",
                "at most N nodes write this key's file and reload at once, fleet-wide (a Consul "
                    + "semaphore under <prefix>/<key>/slots/)")
            .withRequiredArg()
            .withValuesConvertedBy(Converters.POSITIVE)
            .describedAs("N");
    settle =
        p.accepts(
                "settle",
                "keep the reload slot this long after the reload; with --health-service the "
                    + "checks must pass this long (default 10s then)")
            .withRequiredArg()
            .withValuesConvertedBy(Converters.DURATION);
    healthService =
        p.accepts(
                "health-service",
                "after the reload, wait until this node's Consul checks of service NAME pass; "
                    + "if not, put the previous file back (repeatable)")
            .withRequiredArg()
            .describedAs("NAME");
    healthCheck =
        p.accepts("health-check", "like --health-service, for one check by its ID (repeatable)")
            .withRequiredArg()
            .describedAs("ID");
    healthyWithin =
        p.accepts("healthy-within", "how long the checks have to pass after the reload")
            .withRequiredArg()
            .withValuesConvertedBy(Converters.DURATION)
            .defaultsTo(Converters.Span.of(ApplyInput.Brakes.DEFAULT_HEALTHY_WITHIN));
    wait =
        p.accepts("wait", "with --watch: longest blocking query (at most 5m)")
            .withRequiredArg()
            .withValuesConvertedBy(Converters.DURATION)
            .defaultsTo(Converters.Span.of(MAX_WAIT));
  }

  @Override
  public Options options(OptionSet o) {
    if (o.has(config) && !o.has(watch)) {
      throw KvexpressException.usage("--config only works with --watch");
    }
    if (o.has(config) && (o.has(key) || o.has(file))) {
      throw KvexpressException.usage("use either --config or -k/-f, not both");
    }
    if (!o.has(config) && (!o.has(key) || !o.has(file))) {
      throw KvexpressException.usage(
          "missing required option " + (o.has(key) ? "-f/--file" : "-k/--key"));
    }
    Duration waitFor = o.valueOf(wait).value();
    if (waitFor.compareTo(MAX_WAIT) > 0 || waitFor.isZero()) {
      throw KvexpressException.usage("--wait must be above 0 and at most 5m");
    }
    if (o.valueOf(maxBytes) <= 0) {
      throw KvexpressException.usage("--max-bytes must be positive");
    }
    if (o.has(noOlder) && !o.has(trustKey) && !o.has(config)) {
      throw KvexpressException.usage("--no-older compares signatures: add --trust-key FILE|DIR");
    }
    if (o.has(metricsAddr) && !o.has(watch)) {
      throw KvexpressException.usage(
          "--metrics-addr serves a running watcher's metrics: add --watch");
    }
    boolean gated = o.has(healthService) || o.has(healthCheck);
    if (o.has(settle) && !o.has(reloadSlots) && !gated && !o.has(config)) {
      throw KvexpressException.usage(
          "--settle is how long a reload slot or health gate holds: add --reload-slots N or "
              + "--health-service NAME");
    }
    if (o.has(healthyWithin) && !gated && !o.has(config)) {
      throw KvexpressException.usage(
          "--healthy-within bounds the health gate: add --health-service NAME or --health-check ID");
    }
    return new Options(
        o.valueOf(key),
        o.valueOf(file),
        o.valueOf(config),
        o.valueOf(mode),
        o.valueOf(owner),
        new ApplyInput.Guards(o.valueOf(minLines), o.valueOf(maxBytes), o.has(ignoreStop)),
        new Trust(o.valuesOf(trustKey).stream().map(Path::of).toList(), o.has(noOlder)),
        new Hooks(o.valueOf(check), exec.read(o), o.valueOf(splay).value(), o.has(restore)),
        new Brakes(
            o.has(reloadSlots) ? o.valueOf(reloadSlots) : 0,
            o.has(settle) ? o.valueOf(settle).value() : null,
            o.valuesOf(healthService),
            o.valuesOf(healthCheck),
            o.valueOf(healthyWithin).value()),
        o.has(hostname) ? KeyNames.validateNodeName("hostname", o.valueOf(hostname)) : null,
        new Run(
            o.has(watch),
            waitFor,
            o.has(dryRun),
            o.has(report),
            o.has(canary),
            o.has(metricsAddr) ? MetricsServer.parse(o.valueOf(metricsAddr)) : null));
  }

  @Override
  public Outcome run(Options o, CommandContext ctx) throws Exception {
    String node = o.hostname() != null ? o.hostname() : ctx.env().hostname().get();
    WatchConfig.Parsed config = o.config() == null ? null : WatchConfig.read(Path.of(o.config()));
    InetSocketAddress configMetricsAddr =
        config == null || config.metricsAddr() == null
            ? null
            : MetricsServer.parse(config.metricsAddr());
    List<ApplyInput> inputs =
        config != null
            ? fromConfig(o, ctx, config)
            : List.of(
                input(
                    o,
                    ctx,
                    FileSpec.of(o),
                    trust(o.trust().keys()),
                    o.trust().noOlder(),
                    o.run().canary()));
    if (!o.run().watch()) {
      ctx.about(inputs.get(0).layout().key(), inputs.get(0).file());
    }
    if (!o.run().watch() && !o.run().dryRun() && !ctx.env().stdinIsTerminal()) {
      ApplyInput in = inputs.get(0);
      ApplyResult current = Applier.currentByWatchPayload(in, WatchHandler.payload(ctx.env().in()));
      if (current != null) {
        // A key watch delivered the checksum this file already has: nothing can be newer than what
        // the watch just delivered, and a current file needs no stop or lock check, so no request
        // is sent.
        return Outcome.of(
            current.outcome(),
            current.checksum(),
            current
                .describe(Fields.of("key", in.layout().key()).add("file", in.file()))
                .add("path", "watch_stdin"));
      }
    }
    try (KvStore store = ctx.openStore()) {
      Applier applier =
          new Applier(
              store, ctx.runner(o.hooks().exec().passToken()), ctx.log(), node, ctx.env().clock());
      if (o.run().watch()) {
        InetSocketAddress addr =
            o.run().metricsAddr() != null ? o.run().metricsAddr() : configMetricsAddr;
        return watch(store, applier, inputs, o.run().longestWait(), addr, ctx);
      }
      ApplyInput in = inputs.get(0);
      ApplyResult r = applier.apply(in);
      if (r.outcome() == Result.APPLIED) {
        ctx.metrics().count("kvexpress.out.applied", 1, "key", in.layout().key());
        ctx.sinks().applyLatency(in.layout().key(), r.latencySeconds());
        ctx.sinks().brakes(in.layout().key(), r.timings().slotWaitMs(), r.timings().healthyMs());
      }
      return Outcome.of(
          r.outcome(),
          r.checksum(),
          r.describe(Fields.of("key", in.layout().key()).add("file", in.file()))
              .add("path", "consul"));
    }
  }

  private Outcome watch(
      KvStore store,
      Applier applier,
      List<ApplyInput> inputs,
      Duration waitFor,
      InetSocketAddress metricsAddr,
      CommandContext ctx)
      throws InterruptedException {
    Clock clock = ctx.env().clock();
    WatcherMetrics scraped =
        metricsAddr == null ? null : new WatcherMetrics(BuildVersion.get(), clock.instant());
    MetricsServer server = null;
    if (scraped != null) {
      inputs.forEach(in -> scraped.watching(in.layout().key(), in.file().toString()));
      // Blocking queries answer at least every --wait: twice that plus 10 s without an answer means
      // the watcher is not talking to Consul (a 5m wait: 610 s, under the 11 minutes of the alert).
      long limit = 2 * waitFor.toSeconds() + 10;
      server =
          MetricsServer.start(
              metricsAddr,
              () -> scraped.render(clock.instant(), store.retries()),
              () -> {
                double age = scraped.secondsSinceConsul(clock.instant());
                return age <= limit
                    ? null
                    : "Consul has not answered the watcher for " + Math.round(age) + " s";
              });
      ctx.log()
          .info(
              name(),
              Fields.of(
                  "metrics",
                  "http://" + metricsAddr.getHostString() + ":" + server.port() + "/metrics"));
    }
    try {
      return watching(store, applier, inputs, waitFor, scraped, ctx);
    } finally {
      if (server != null) {
        server.close();
      }
    }
  }

  private Outcome watching(
      KvStore store,
      Applier applier,
      List<ApplyInput> inputs,
      Duration waitFor,
      WatcherMetrics scraped,
      CommandContext ctx)
      throws InterruptedException {
    RunMetrics metrics = ctx.sinks();
    Clock clock = ctx.env().clock();
    Watcher watcher =
        new Watcher(
            store,
            applier,
            ctx.log(),
            waitFor,
            clock,
            new Watcher.RoundListener() {
              @Override
              public void round(
                  ApplyInput in, ApplyResult result, KvexpressException failure, long millis) {
                if (scraped != null) {
                  scrape(scraped, in, result, failure, clock);
                }
                record(metrics, in, result, failure, millis);
              }

              @Override
              public void checked(ApplyInput in, ApplyResult result) {
                if (scraped != null && result.outcome() == Result.CURRENT) {
                  scraped.current(
                      in.layout().key(),
                      in.file().toString(),
                      result.checksum(),
                      result.publishedAt());
                }
              }

              @Override
              public void answered(ApplyInput in) {
                if (scraped != null) {
                  scraped.answered(in.layout().key(), in.file().toString(), clock.instant());
                }
              }
            });
    AtomicInteger signal = new AtomicInteger();
    ctx.env()
        .termination()
        .onTerminate(
            number -> {
              signal.set(number);
              watcher.stop();
            });
    if (watcher.run(inputs)) {
      // Stopped while applying: that apply finished (or its reload was killed at --exec-timeout)
      // first.
      ExitCode code = ExitCode.interruptedBy(signal.get());
      return Outcome.interrupted(
          code,
          Fields.of("watch", "stopped while applying; the apply finished first")
              .add("exit", code.code()));
    }
    return Outcome.OK;
  }

  /** The statsd and textfile metrics of one watcher round. */
  private static void record(
      RunMetrics metrics,
      ApplyInput in,
      ApplyResult result,
      KvexpressException failure,
      long millis) {
    Metrics m = new Metrics();
    if (result != null && result.outcome() == Result.APPLIED) {
      m.count("kvexpress.out.applied", 1, "key", in.layout().key());
      metrics.applyLatency(in.layout().key(), result.latencySeconds());
      metrics.brakes(
          in.layout().key(), result.timings().slotWaitMs(), result.timings().healthyMs());
    }
    metrics.run(
        m,
        new RunMetrics.Run(
            "out",
            in.layout().key(),
            in.file().toString(),
            result != null ? result.outcome() : Result.of(failure.kind()),
            failure == null ? null : failure.reason(),
            result == null ? null : result.checksum(),
            millis,
            0,
            null,
            null));
  }

  /** What /metrics says of one round that changed something or did not succeed. */
  private static void scrape(
      WatcherMetrics scraped,
      ApplyInput in,
      ApplyResult result,
      KvexpressException failure,
      Clock clock) {
    String key = in.layout().key();
    String file = in.file().toString();
    if (result == null) {
      scraped.result(
          key,
          file,
          Result.of(failure.kind()).word(),
          failure.reason().tag(),
          null,
          null,
          null,
          null,
          null);
      return;
    }
    boolean wrote = result.outcome() == Result.APPLIED;
    Instant now = clock.instant();
    Double latency = wrote ? result.latencySeconds() : null;
    scraped.result(
        key,
        file,
        result.outcome().word(),
        null,
        result.checksum(),
        result.publishedAt(),
        wrote ? now.toString() : null,
        latency,
        result.timings().reloadMs() == null ? null : result.timings().reloadMs() / 1000.0);
  }

  private List<ApplyInput> fromConfig(Options o, CommandContext ctx, WatchConfig.Parsed parsed) {
    List<ApplyInput> inputs = new ArrayList<>();
    List<Path> keys = new ArrayList<>(o.trust().keys());
    parsed.trustKeys().forEach(k -> keys.add(Path.of(k)));
    boolean older = o.trust().noOlder() || parsed.noOlder();
    if (older && keys.isEmpty()) {
      throw KvexpressException.usage(
          "no_older (--no-older) compares signatures: add trust_keys or --trust-key");
    }
    TrustedKeys trusted = trust(keys);
    for (WatchConfig.Entry e : parsed.files()) {
      inputs.add(
          input(
              o,
              ctx,
              FileSpec.of(o).with(e),
              trusted,
              older,
              o.run().canary() || parsed.canary() || e.canary()));
    }
    return inputs;
  }

  /**
   * The trusted keys, loaded once (a bad key file is a usage error before anything is read), or
   * null.
   */
  private static TrustedKeys trust(List<Path> keys) {
    return keys.isEmpty() ? null : TrustedKeys.load(keys);
  }

  /**
   * One file's own settings: the key and file, and what a {@code --config} entry may give for its
   * file alone (mode, owner, check, reload command, minimum lines); the rest comes from the
   * options.
   */
  record FileSpec(
      String key,
      String file,
      Integer mode,
      String owner,
      String check,
      String exec,
      int minLines,
      Brakes brakes) {
    /** The file the command line names, with the command line's settings. */
    static FileSpec of(Options o) {
      return new FileSpec(
          o.key(),
          o.file(),
          o.mode(),
          o.owner(),
          o.hooks().check(),
          o.hooks().exec().command(),
          o.guards().minLines(),
          o.brakes());
    }

    /** A {@code --config} entry's file: what it gives wins, the rest stays as here. */
    FileSpec with(WatchConfig.Entry e) {
      Integer m;
      try {
        m = e.mode() == null ? mode : Converters.MODE.convert(e.mode());
      } catch (ValueConversionException ex) {
        throw KvexpressException.usage("--config entry for " + e.file() + ": " + ex.getMessage());
      }
      return new FileSpec(
          KeyNames.validateKey("key", e.key()),
          e.file(),
          m,
          e.owner() == null ? owner : e.owner(),
          e.check() == null ? check : e.check(),
          e.exec() == null ? exec : e.exec(),
          e.minLines() == null ? minLines : e.minLines(),
          new Brakes(
              e.reloadSlots() == null ? brakes.reloadSlots() : e.reloadSlots(),
              brakes.settle(),
              e.healthService() == null ? brakes.healthServices() : List.of(e.healthService()),
              e.healthCheck() == null ? brakes.healthChecks() : List.of(e.healthCheck()),
              brakes.healthyWithin()));
    }
  }

  private static ApplyInput input(
      Options o,
      CommandContext ctx,
      FileSpec f,
      TrustedKeys trusted,
      boolean noOlder,
      boolean canary) {
    return new ApplyInput(
        new KeyLayout(ctx.prefix(), f.key()),
        Path.of(f.file()),
        OwnerSpec.settings(f.mode(), f.owner()),
        new ApplyInput.Guards(
            f.minLines(), o.guards().maxBytes(), o.guards().ignoreStop(), trusted, noOlder),
        new ApplyInput.Hooks(
            f.check(),
            f.exec(),
            o.hooks().exec().timeout(),
            o.hooks().splay(),
            o.hooks().restoreOnFailure()),
        new ApplyInput.Mode(o.run().dryRun(), o.run().report(), canary),
        f.brakes().resolved());
  }
}
