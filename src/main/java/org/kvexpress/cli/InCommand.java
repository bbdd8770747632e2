package org.kvexpress.cli;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import joptsimple.OptionParser;
import joptsimple.OptionSet;
import joptsimple.OptionSpec;
import org.kvexpress.core.Checksum;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.exec.ShellCommandRunner;
import org.kvexpress.kv.KvStore;
import org.kvexpress.log.Fields;
import org.kvexpress.publish.InputSource;
import org.kvexpress.publish.PublishInput;
import org.kvexpress.publish.PublishResult;
import org.kvexpress.publish.Publisher;

/** {@code kvexpress in}: the ingest filter. Reads, canonicalizes, guards and publishes atomically. */
final class InCommand implements Command {
  private OptionSpec<String> key;
  private OptionSpec<String> file;
  private OptionSpec<String> url;
  private OptionSpec<Void> verbatim;
  private OptionSpec<Integer> minLines;
  private OptionSpec<Integer> maxShrink;
  private OptionSpec<Void> force;
  private OptionSpec<Void> compress;
  private OptionSpec<Void> dryRun;
  private OptionSpec<String> exec;
  private OptionSpec<Converters.Span> execTimeout;
  private OptionSpec<Void> passToken;

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
    key = p.acceptsAll(List.of("k", "key"), "key to publish under: <prefix>/<key>/data")
        .withRequiredArg().withValuesConvertedBy(Converters.KEY).required();
    file = p.acceptsAll(List.of("f", "file"), "read this file instead of stdin").withRequiredArg().describedAs("FILE");
    url = p.acceptsAll(List.of("u", "url"), "fetch this http(s) URL instead of stdin (10 s timeout)")
        .withRequiredArg().describedAs("URL");
    verbatim = p.accepts("verbatim", "publish the bytes exactly as read: no sorting, dedupe or blank-line removal");
    minLines = p.acceptsAll(List.of("l", "min-lines", "length"), "refuse input with fewer lines than this")
        .withRequiredArg().withValuesConvertedBy(Converters.NON_NEGATIVE).defaultsTo(10);
    maxShrink = p.accepts("max-shrink", "refuse a version with this many percent fewer lines than the published one")
        .withRequiredArg().withValuesConvertedBy(Converters.PERCENT);
    force = p.accepts("force", "publish even if --max-shrink would refuse");
    compress = p.acceptsAll(List.of("z", "compress"), "store data gzip-compressed (Flags=2)");
    dryRun = p.accepts("dry-run", "do everything but write; print a summary and a diff against the published version");
    exec = p.acceptsAll(List.of("e", "exec"), "after a successful publish, run CMD through /bin/sh -c")
        .withRequiredArg().describedAs("CMD");
    passToken = p.accepts("pass-token", "let -e commands inherit CONSUL_HTTP_TOKEN and CONSUL_HTTP_TOKEN_FILE "
        + "(withheld by default)");
    execTimeout = p.accepts("exec-timeout", "kill -e after this long").withRequiredArg()
        .withValuesConvertedBy(Converters.DURATION).defaultsTo(Converters.Span.of(Duration.ofSeconds(30)));
  }

  @Override
  public ExitCode run(OptionSet o, CommandContext ctx) throws Exception {
    if (o.has(file) && o.has(url)) {
      throw KvexpressException.usage("cannot use -f/--file and -u/--url together; pick one source");
    }
    if (o.has(force) && !o.has(maxShrink)) {
      throw KvexpressException.usage("--force only overrides --max-shrink; drop it or add --max-shrink");
    }
    KeyLayout layout = new KeyLayout(ctx.prefix(), o.valueOf(key));
    ctx.fields().add("key", layout.key());
    InputSource source = source(o, ctx);
    byte[] content = source.read();
    ctx.log().debug(name(), Fields.of("key", layout.key()).add("step", "input").add("source", source.describe())
        .add("bytes", content.length));
    PublishInput input = new PublishInput(layout, content, source.describe(), o.has(verbatim), o.valueOf(minLines),
        o.valueOf(maxShrink), o.has(force), o.has(compress), o.has(dryRun), o.valueOf(exec), o.valueOf(execTimeout).value(),
        ctx.sinks().events());
    try (KvStore store = ctx.openStore()) {
      Publisher publisher = new Publisher(store, new ShellCommandRunner(o.has(passToken)), ctx.log(), ctx.env().clock(),
          ctx.env().hostname().get());
      PublishResult result = publisher.publish(input);
      Fields summary = summary(layout, result);
      if (result.outcome() == PublishResult.Outcome.WOULD_PUBLISH) {
        ctx.env().out().println(summary);
        if (result.diff() != null) {
          ctx.env().out().write(result.diff());
        }
        ctx.env().out().flush();
      }
      ctx.log().info(name(), summary);
      ctx.outcome(result.outcome().word(), result.checksum());
      if (result.outcome() == PublishResult.Outcome.PUBLISHED) {
        ctx.sinks().event("kvexpress in: " + layout.key() + " published", result.diff() == null ? ""
            : new String(result.diff(), java.nio.charset.StandardCharsets.UTF_8), "info", layout.key());
        ctx.metrics().gauge("kvexpress.in.lines", result.canonical().lines(), "key", layout.key());
        ctx.metrics().gauge("kvexpress.in.bytes", result.canonical().size(), "key", layout.key());
      }
      publisher.exec(input, result);
    }
    return ExitCode.OK;
  }

  private InputSource source(OptionSet o, CommandContext ctx) {
    if (o.has(file)) {
      return new InputSource.FileSource(Path.of(o.valueOf(file)));
    }
    if (o.has(url)) {
      try {
        return new InputSource.UrlSource(new URI(o.valueOf(url)));
      } catch (URISyntaxException e) {
        throw KvexpressException.usage("-u needs an http:// or https:// URL; \"" + e.getInput() + "\" is not one");
      }
    }
    if (ctx.env().stdinIsTerminal()) {
      throw KvexpressException.usage("no input: pipe the rendered file into stdin or pass -f/-u");
    }
    return new InputSource.Stdin(ctx.env().in());
  }

  private static Fields summary(KeyLayout layout, PublishResult r) {
    Fields f = Fields.of("key", layout.key()).add("result", r.outcome().word())
        .add("lines", r.canonical().lines())
        .add("dropped_blank", r.canonical().droppedBlank())
        .add("merged", r.canonical().merged())
        .add("bytes", r.canonical().size());
    if (r.outcome() != PublishResult.Outcome.UNCHANGED && r.encoding().equals("gzip")) {
      f.add("encoding", "gzip").add("stored_bytes", r.encodedBytes());
    }
    f.add("checksum", Checksum.shortForm(r.checksum()));
    if (r.index() > 0) {
      f.add("index", r.index());
    }
    return f;
  }
}
