package org.kvexpress.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import joptsimple.OptionParser;
import joptsimple.OptionSet;
import joptsimple.OptionSpec;
import org.kvexpress.core.Checksum;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Problems;
import org.kvexpress.kv.KvListing;
import org.kvexpress.kv.KvStore;
import org.kvexpress.log.Fields;
import org.kvexpress.metrics.Metrics;
import org.kvexpress.ops.Replicator;
import org.kvexpress.sign.TrustedKeys;

/**
 * {@code kvexpress replicate --from DC --to DC,… -k KEY…}: a long-running process (like {@code out
 * --watch}) that keeps other datacenters at the source's current version of each key, verified
 * (docs/datacenters.md). One thread per key blocks on the source's checksum (through the local
 * agent, {@code ?dc=}) and re-checks every destination at least every {@code --recheck}, so a
 * destination that was unreachable catches up without a new publish.
 */
final class ReplicateCommand implements Command<ReplicateCommand.Options> {
  /** Source, destinations, keys, the minimum lines a version must have, and the re-check period. */
  record Options(
      String from,
      List<String> to,
      List<String> keys,
      int minLines,
      Duration recheck,
      boolean once,
      List<Path> trustKeys,
      Map<String, String> tokenFiles) {}

  /** The keys a version must be signed by, loaded when the command runs; null: any. */
  private TrustedKeys trust;

  private OptionSpec<String> from;
  private OptionSpec<String> to;
  private OptionSpec<String> key;
  private OptionSpec<Integer> minLines;
  private OptionSpec<Converters.Span> recheck;
  private OptionSpec<Void> once;
  private OptionSpec<String> config;
  private OptionSpec<String> tokenFileFor;
  private OptionSpec<String> trustKey;

  @Override
  public String name() {
    return "replicate";
  }

  @Override
  public String usage() {
    return "kvexpress replicate --from DC --to DC[,DC…] -k KEY [-k KEY…] [-l N] [--trust-key FILE|DIR]"
        + " [--recheck DURATION] [--once] | --config FILE";
  }

  @Override
  public String summary() {
    return "keep other datacenters at a datacenter's verified version of keys";
  }

  @Override
  public void declare(OptionParser p) {
    from = p.accepts("from", "the source datacenter").withRequiredArg().describedAs("DC");
    to =
        p.accepts("to", "the destination datacenters")
            .withRequiredArg()
            .withValuesSeparatedBy(',')
            .describedAs("DC,DC");
    key =
        p.acceptsAll(List.of("k", "key"), "a key to replicate (repeatable)")
            .withRequiredArg()
            .withValuesConvertedBy(Converters.KEY);
    minLines =
        p.acceptsAll(
                List.of("l", "min-lines"), "replicate only versions of at least this many lines")
            .withRequiredArg()
            .withValuesConvertedBy(Converters.NON_NEGATIVE)
            .defaultsTo(10);
    recheck =
        p.accepts("recheck", "check every destination at least this often")
            .withRequiredArg()
            .withValuesConvertedBy(Converters.DURATION)
            .defaultsTo(Converters.Span.of(Duration.ofSeconds(30)));
    trustKey =
        p.accepts(
                "trust-key",
                "replicate only versions signed by this public key (a .pub file or a directory; "
                    + "repeatable)")
            .withRequiredArg()
            .describedAs("FILE|DIR");
    config =
        p.accepts(
                "config",
                "JSON file instead of the options: {\"from\": DC, \"to\": [DC…], \"keys\": [KEY…]}"
                    + " and optionally min_lines, trust_keys, recheck")
            .withRequiredArg()
            .describedAs("FILE");
    tokenFileFor =
        p.accepts(
                "token-file-for",
                "the token for one datacenter's requests, read from FILE (repeatable; a local token"
                    + " of that datacenter, each with least privilege: read at the source, write at"
                    + " a destination)")
            .withRequiredArg()
            .describedAs("DC=FILE");
    once = p.accepts("once", "one pass over every key, then exit (1 when a destination is behind)");
  }

  @Override
  public Options options(OptionSet o) {
    if (o.has(config)) {
      // What the file says is given once: a flag beside it (a --trust-key above all) would be
      // ignored. Tokens and --once are not in the file, so they combine with it.
      if (o.has(from) || o.has(to) || o.has(key)) {
        throw KvexpressException.usage("use either --config or --from/--to/-k, not both");
      }
      if (o.has(minLines) || o.has(recheck) || o.has(trustKey)) {
        throw KvexpressException.usage(
            "--config sets min_lines, recheck and trust_keys: give them in the file, not as -l,"
                + " --recheck or --trust-key beside it");
      }
      return check(
          ReplicateConfig.read(
              Path.of(o.valueOf(config)), o.has(once), tokenFiles(o.valuesOf(tokenFileFor))));
    }
    if (!o.has(from) || !o.has(to) || !o.has(key)) {
      throw KvexpressException.usage(
          "replicate needs --from DC, --to DC[,DC…] and -k KEY (or --config FILE)");
    }
    return check(
        new Options(
            o.valueOf(from),
            List.copyOf(o.valuesOf(to)),
            List.copyOf(o.valuesOf(key)),
            o.valueOf(minLines),
            o.valueOf(recheck).value(),
            o.has(once),
            o.valuesOf(trustKey).stream().map(Path::of).toList(),
            tokenFiles(o.valuesOf(tokenFileFor))));
  }

  private static Map<String, String> tokenFiles(List<String> given) {
    Map<String, String> files = new java.util.LinkedHashMap<>();
    for (String g : given) {
      int eq = g.indexOf('=');
      if (eq <= 0 || eq == g.length() - 1) {
        throw KvexpressException.usage("--token-file-for takes DC=FILE, not \"" + g + "\"");
      }
      files.put(g.substring(0, eq), g.substring(eq + 1));
    }
    return Map.copyOf(files);
  }

  /** The rules every replicate, from options or a file, must follow. */
  private static Options check(Options o) {
    List<String> dests = o.to();
    if (dests.contains(o.from())) {
      throw KvexpressException.usage("--to must not include the source datacenter " + o.from());
    }
    if (o.recheck().isZero() || o.recheck().compareTo(OutCommand.MAX_WAIT) > 0) {
      throw KvexpressException.usage("--recheck must be above 0 and at most 5m");
    }
    return o;
  }

  @Override
  public Outcome run(Options o, CommandContext ctx) throws InterruptedException {
    trust = o.trustKeys().isEmpty() ? null : TrustedKeys.load(o.trustKeys());
    Map<String, KvStore> stores = new ConcurrentHashMap<>();
    Replicator replicator =
        new Replicator(
            dc -> stores.computeIfAbsent(dc, d -> ctx.openStore(d, o.tokenFiles().get(d))),
            ctx.runner(false),
            ctx.log(),
            ctx.env().clock(),
            ctx.env().hostname().get());
    if (o.once()) {
      boolean behind = false;
      for (String k : o.keys()) {
        behind |= !pass(replicator, new KeyLayout(ctx.prefix(), k), o, ctx);
      }
      if (behind) {
        throw KvexpressException.because(
            org.kvexpress.core.Reason.ROLLOUT_INCOMPLETE, "a destination is behind; see above");
      }
      return Outcome.OK;
    }
    AtomicBoolean stopped = new AtomicBoolean();
    ctx.env()
        .termination()
        .onTerminate(
            n -> {
              stopped.set(true);
              stores.values().forEach(KvStore::abortWatches);
            });
    List<Thread> threads = new ArrayList<>();
    for (String k : o.keys()) {
      KeyLayout layout = new KeyLayout(ctx.prefix(), k);
      Thread t =
          new Thread(() -> follow(replicator, layout, o, ctx, stores, stopped), "replicate-" + k);
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join();
    }
    return Outcome.OK;
  }

  /** One key: block on the source's checksum, then one pass; back off after a failure. */
  private void follow(
      Replicator replicator,
      KeyLayout layout,
      Options o,
      CommandContext ctx,
      Map<String, KvStore> stores,
      AtomicBoolean stopped) {
    long index = 0;
    int failures = 0;
    while (!stopped.get()) {
      try {
        pass(replicator, layout, o, ctx);
        KvStore source =
            stores.computeIfAbsent(o.from(), d -> ctx.openStore(d, o.tokenFiles().get(d)));
        KvListing l = source.watch(layout.checksum(), false, index, o.recheck());
        index = KvStore.nextIndex(index, l.index());
        failures = 0;
      } catch (KvexpressException e) {
        if (stopped.get()) {
          return;
        }
        index = 0;
        failures++;
        ctx.log()
            .warn(
                name(),
                Fields.of("key", layout.key())
                    .add("from", o.from())
                    .add("warning", "source unreadable; trying again")
                    .add("error", e.getMessage()));
        sleep(Math.min(10_000, 500L << Math.min(failures, 5)));
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        ctx.log().error(name(), Fields.of("key", layout.key()).add("error", Problems.describe(e)));
        sleep(5_000);
      }
    }
  }

  /** One pass over one key, logged per destination; true when every destination holds it. */
  private boolean pass(Replicator replicator, KeyLayout layout, Options o, CommandContext ctx)
      throws InterruptedException {
    Replicator.Pass p = replicator.pass(layout, o.from(), o.to(), o.minLines(), trust);
    if (p.checksum() == null) {
      ctx.log()
          .warn(
              name(),
              Fields.of("key", layout.key()).add("from", o.from()).add("skipped", p.skipped()));
      return false;
    }
    boolean all = true;
    for (Replicator.DestResult d : p.destinations()) {
      Fields line =
          Fields.of("key", layout.key())
              .add("from", o.from())
              .add("dc", d.dc())
              .add("checksum", Checksum.shortForm(p.checksum()))
              .add("result", d.step().name().toLowerCase(Locale.ROOT))
              .add("behind_s", d.behindSeconds())
              .add("detail", d.detail());
      boolean holds =
          d.step() == Replicator.Step.COPIED
              || d.step() == Replicator.Step.CURRENT
              || d.step() == Replicator.Step.NEWER_THERE;
      all &= holds;
      if (d.step() != Replicator.Step.CURRENT) {
        if (holds) {
          ctx.log().info(name(), line);
        } else {
          ctx.log().warn(name(), line);
        }
      }
      Metrics m = new Metrics();
      m.gauge(
          "kvexpress.replicate.behind_seconds",
          holds ? 0 : d.behindSeconds() == null ? 0 : d.behindSeconds(),
          "key",
          layout.key(),
          "dc",
          d.dc());
      ctx.sinks().send(m);
    }
    return all;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms + ThreadLocalRandom.current().nextLong(ms / 4 + 1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
