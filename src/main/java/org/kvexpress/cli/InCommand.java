package org.kvexpress.cli;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import joptsimple.OptionParser;
import joptsimple.OptionSet;
import joptsimple.OptionSpec;
import org.kvexpress.core.Checksum;
import org.kvexpress.core.Encoding;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Result;
import org.kvexpress.kv.ConsulLimits;
import org.kvexpress.kv.KvStore;
import org.kvexpress.log.Fields;
import org.kvexpress.publish.InputSource;
import org.kvexpress.publish.PublishInput;
import org.kvexpress.publish.PublishResult;
import org.kvexpress.publish.Publisher;
import org.kvexpress.sign.SigningKey;

/**
 * {@code kvexpress in}: the ingest filter. Reads, canonicalizes, guards and publishes atomically.
 */
final class InCommand implements Command<InCommand.Options> {
  /**
   * The key, where the input comes from (a file, a URL, else stdin), whether it is kept verbatim,
   * the guards it must pass, how it is stored, and how the run behaves (dry run, the command to run
   * after a publish).
   */
  record Options(
      String key,
      Source source,
      boolean verbatim,
      PublishInput.Guards guards,
      Storing storing,
      boolean dryRun,
      ExecOptions exec) {}

  /** {@code -f FILE} or {@code -u URL}; both null means stdin. */
  record Source(String file, String url) {
    /** Whether the input is standard input (neither -f nor -u). */
    boolean stdin() {
      return file == null && url == null;
    }
  }

  /**
   * {@link PublishInput.Storing} as given: the signing key is a file, loaded when the command runs.
   */
  record Storing(boolean compress, Path signKey, boolean resign, boolean stage) {}

  private OptionSpec<String> key;
  private OptionSpec<String> file;
  private OptionSpec<String> url;
  private OptionSpec<Void> verbatim;
  private OptionSpec<Integer> minLines;
  private OptionSpec<Integer> maxShrink;
  private OptionSpec<Void> force;
  private OptionSpec<Void> compress;
  private OptionSpec<Void> dryRun;
  private ExecOptions.Specs exec;
  private OptionSpec<String> signKey;
  private OptionSpec<Void> resign;
  private OptionSpec<Void> stage;
  private OptionSpec<Long> maxBytes;

  @Override
  public String name() {
    return "in";
  }

  @Override
  public String usage() {
    return "kvexpress in -k KEY [-f FILE | -u URL] [options]   (reads stdin without -f/-u)";
  }

  @Override
  public String summary() {
    return "publish rendered configuration from stdin, a file or a URL";
  }

  @Override
  public void declare(OptionParser p) {
    key = Converters.key(p, "key to publish under: <prefix>/<key>/data").required();
    file =
        p.acceptsAll(List.of("f", "file"), "read this file instead of stdin")
            .withRequiredArg()
            .describedAs("FILE");
    url =
        p.acceptsAll(List.of("u", "url"), "fetch this http(s) URL instead of stdin (10 s timeout)")
            .withRequiredArg()
            .describedAs("URL");
    verbatim =
        p.accepts(
            "verbatim",
            "publish the bytes exactly as read: no sorting, dedupe or blank-line removal");
    minLines =
        p.acceptsAll(List.of("l", "min-lines", "length"), "refuse input with fewer lines than this")
            .withRequiredArg()
            .withValuesConvertedBy(Converters.NON_NEGATIVE)
            .defaultsTo(10);
    maxShrink =
        p.accepts(
                "max-shrink",
                "refuse a version with this many percent fewer lines than the published one")
            .withRequiredArg()
            .withValuesConvertedBy(Converters.PERCENT);
    force =
        p.accepts(
            "force",
            "publish even if --max-shrink would refuse, or chunk a large version over one Go "
                + "kvexpress wrote");
    maxBytes =
        p.accepts("max-bytes", "refuse input larger than this many bytes (canonical form)")
            .withRequiredArg()
            .ofType(Long.class)
            .defaultsTo(Encoding.MAX_DECODED_BYTES)
            .describedAs("BYTES");
    signKey =
        p.accepts(
                "sign-key",
                "sign the version with this Ed25519 private key (kvexpress keygen); nodes "
                    + "check it with out --trust-key")
            .withRequiredArg()
            .describedAs("FILE");
    stage =
        p.accepts(
            "stage",
            "publish as the staged version: only out --canary nodes apply it until 'kvexpress "
                + "promote' makes it current ('kvexpress discard' drops it)");
    resign =
        p.accepts(
            "resign",
            "with --sign-key: sign an unchanged version anew, with the current time (for nodes "
                + "running out --no-older that refuse it as older)");
    compress = p.acceptsAll(List.of("z", "compress"), "store data gzip-compressed (Flags=2)");
    dryRun =
        p.accepts(
            "dry-run",
            "do everything but write; print a summary and a diff against the published version");
    exec =
        new ExecOptions.Specs(p, "after a successful publish, run CMD through /bin/sh -c", false);
  }

  @Override
  public Options options(OptionSet o) {
    if (o.has(file) && o.has(url)) {
      throw KvexpressException.usage("cannot use -f/--file and -u/--url together; pick one source");
    }
    if (o.has(resign) && !o.has(signKey)) {
      throw KvexpressException.usage("--resign signs again: add --sign-key FILE");
    }
    if (o.valueOf(maxBytes) <= 0) {
      throw KvexpressException.usage(
          "--max-bytes must be a positive number of bytes, not " + o.valueOf(maxBytes));
    }
    return new Options(
        o.valueOf(key),
        new Source(o.valueOf(file), o.valueOf(url)),
        o.has(verbatim),
        new PublishInput.Guards(
            o.valueOf(minLines), o.valueOf(maxShrink), o.has(force), o.valueOf(maxBytes)),
        new Storing(
            o.has(compress),
            o.has(signKey) ? Path.of(o.valueOf(signKey)) : null,
            o.has(resign),
            o.has(stage)),
        o.has(dryRun),
        exec.read(o));
  }

  @Override
  public Outcome run(Options o, CommandContext ctx) throws Exception {
    KeyLayout layout = new KeyLayout(ctx.prefix(), o.key());
    ctx.about(layout.key());
    // The key is read first: a bad --sign-key is a usage error before anything is read or written.
    Path keyFile = o.storing().signKey();
    SigningKey signer = keyFile == null ? null : SigningKey.load(keyFile);
    InputSource source = source(o.source(), ctx);
    byte[] content = source.read();
    ctx.log()
        .debug(
            name(),
            Fields.of("key", layout.key())
                .add("step", "input")
                .add("source", source.describe())
                .add("bytes", content.length));
    PublishInput input =
        new PublishInput(
            layout,
            new PublishInput.Input(content, source.describe(), o.verbatim()),
            o.guards(),
            new PublishInput.Storing(
                o.storing().compress(), signer, o.storing().resign(), o.storing().stage()),
            new PublishInput.Run(
                o.dryRun(), ctx.sinks().events(), o.exec().command(), o.exec().timeout()));
    try (KvStore store = ctx.openStore()) {
      Publisher publisher =
          new Publisher(
              store,
              ctx.runner(o.exec().passToken()),
              ctx.log(),
              ctx.env().clock(),
              ctx.env().hostname().get());
      if (content.length > ConsulLimits.MAX_VALUE_BYTES) {
        // A large publish takes seconds: a Ctrl-C then says what it left behind.
        ctx.env()
            .termination()
            .onTerminate(
                signal -> {
                  String note = publisher.interruptedNote();
                  ctx.log()
                      .warn(
                          name(),
                          Fields.of("key", layout.key())
                              .add("result", "interrupted")
                              .add("left", note == null ? "nothing: no write had started" : note));
                  Runtime.getRuntime().exit(ExitCode.interruptedBy(signal).code());
                });
      }
      PublishResult result = publisher.publish(input);
      Fields summary = summary(layout, result);
      if (result.outcome() == Result.WOULD_PUBLISH) {
        ctx.env().out().println(summary);
        if (result.diff() != null) {
          ctx.env().out().write(result.diff());
        }
        ctx.env().out().flush();
      }
      // Logged here, before -e runs: a failing -e is an error of its own, and the publish stays.
      ctx.log().info(name(), summary);
      if (result.stoppedSince() != null) {
        ctx.log()
            .warn(
                name(),
                Fields.of("key", layout.key())
                    .add(
                        "warning",
                        "this version was committed before the "
                            + "stop key was set, so nodes may have applied it; 'kvexpress rollback -k "
                            + layout.key()
                            + "' makes the previous version current again"));
      }
      if (result.outcome() == Result.PUBLISHED) {
        ctx.sinks()
            .event(
                "kvexpress in: " + layout.key() + " published",
                result.diff() == null ? "" : new String(result.diff(), StandardCharsets.UTF_8),
                "info",
                layout.key());
        ctx.metrics().gauge("kvexpress.in.lines", result.canonical().lines(), "key", layout.key());
        ctx.metrics().gauge("kvexpress.in.bytes", result.canonical().size(), "key", layout.key());
      }
      publisher.exec(input, result);
      ctx.published(result.canonical().size(), result.canonical().lines());
      return Outcome.of(result.outcome(), result.checksum(), null);
    }
  }

  private static InputSource source(Source from, CommandContext ctx) {
    if (from.file() != null) {
      return new InputSource.FileSource(Path.of(from.file()));
    }
    if (from.url() != null) {
      try {
        return new InputSource.UrlSource(new URI(from.url()));
      } catch (URISyntaxException e) {
        throw KvexpressException.usage(
            "-u needs an http:// or https:// URL; \"" + e.getInput() + "\" is not one");
      }
    }
    if (ctx.env().stdinIsTerminal()) {
      throw KvexpressException.usage("no input: pipe the rendered file into stdin or pass -f/-u");
    }
    return new InputSource.Stdin(ctx.env().in());
  }

  private static Fields summary(KeyLayout layout, PublishResult r) {
    Fields f =
        Fields.of("key", layout.key())
            .add("result", r.outcome().word())
            .add("lines", r.canonical().lines())
            .add("dropped_blank", r.canonical().droppedBlank())
            .add("merged", r.canonical().merged())
            .add("bytes", r.canonical().size());
    if (r.outcome() != Result.UNCHANGED && r.encoding().equals("gzip")) {
      f.add("encoding", "gzip").add("stored_bytes", r.encodedBytes());
    }
    f.add("checksum", Checksum.shortForm(r.checksum()));
    if (r.index() > 0) {
      f.add("index", r.index());
    }
    if (r.current() != null) {
      f.add("superseded_by", Checksum.shortForm(r.current()));
    }
    if (r.stoppedSince() != null) {
      f.add("stopped_since", r.stoppedSince());
    }
    return f;
  }
}
