package org.kvexpress.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import joptsimple.OptionParser;
import joptsimple.OptionSet;
import joptsimple.OptionSpec;
import org.kvexpress.core.KeyNames;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.kv.KvStore;
import org.kvexpress.log.Fields;
import org.kvexpress.ops.LockService;

/**
 * {@code kvexpress lock -f FILE [-r REASON]} and {@code unlock -f FILE}: this node's lock of a
 * file.
 */
final class LockCommand implements Command<LockCommand.Options> {
  /** The file, the reason (null for unlock) and the node name (null: this machine's hostname). */
  record Options(String file, String reason, String hostname, Duration lasting) {}

  private final boolean lock;
  private OptionSpec<String> file;
  private OptionSpec<String> reason;
  private OptionSpec<String> hostname;
  private OptionSpec<Converters.Span> lasting;

  LockCommand(boolean lock) {
    this.lock = lock;
  }

  @Override
  public String name() {
    return lock ? "lock" : "unlock";
  }

  @Override
  public String usage() {
    return lock
        ? "kvexpress lock -f FILE [-r REASON] [--for DURATION]"
        : "kvexpress unlock -f FILE";
  }

  @Override
  public String summary() {
    return lock
        ? "lock a file on this node so out leaves it alone"
        : "remove this node's lock of a file";
  }

  @Override
  public void declare(OptionParser p) {
    file =
        p.acceptsAll(List.of("f", "file"), "the file (a relative path is made absolute)")
            .withRequiredArg()
            .required();
    if (lock) {
      reason =
          p.acceptsAll(List.of("r", "reason"), "why; stored with your user, host and the time")
              .withRequiredArg()
              .defaultsTo("locked by an operator");
      lasting =
          p.accepts(
                  "for",
                  "the lock ends by itself after this long (e.g. 30m; an absolute UTC time from this "
                      + "machine's clock is stored)")
              .withRequiredArg()
              .withValuesConvertedBy(Converters.DURATION);
    }
    hostname =
        p.accepts("hostname", "node name (default: this machine's hostname)").withRequiredArg();
  }

  @Override
  public Options options(OptionSet o) {
    Duration lasts = lock && o.has(lasting) ? o.valueOf(lasting).value() : null;
    if (lasts != null && lasts.isZero()) {
      throw KvexpressException.usage("--for must be a positive duration such as 30m or 2h");
    }
    return new Options(
        o.valueOf(file),
        lock ? o.valueOf(reason).strip() : null,
        o.has(hostname) ? KeyNames.validateNodeName("hostname", o.valueOf(hostname)) : null,
        lasts);
  }

  @Override
  public Outcome run(Options o, CommandContext ctx) {
    Fields summary;
    Path abs = LockService.absolute(Path.of(o.file()));
    String node = o.hostname() != null ? o.hostname() : ctx.env().hostname().get();
    ctx.fields().add("file", abs).add("host", node);
    try (KvStore store = ctx.openStore()) {
      LockService service = new LockService(store);
      if (lock) {
        LockService.Result r =
            service.lock(
                ctx.prefix(),
                abs,
                node,
                ctx.stamp().describe("locked", o.reason(), "file " + abs, o.lasting()),
                ctx.stamp().ends(o.lasting()));
        summary =
            Fields.of("file", abs)
                .add("host", node)
                .add("result", r.changed() ? "locked" : "already_locked")
                .add("key", r.key());
        ctx.say(
            (r.changed() ? "locked " : "already locked, left as it is: ")
                + abs
                + " on "
                + node
                + ": "
                + r.value()
                + (r.note() == null ? "" : "; note in " + r.note()));
      } else {
        LockService.Result r = service.unlock(ctx.prefix(), abs, node);
        summary =
            Fields.of("file", abs)
                .add("host", node)
                .add("result", r.changed() ? "unlocked" : "not_locked")
                .add("key", r.key());
        ctx.say(
            r.changed()
                ? "unlocked "
                    + abs
                    + " on "
                    + node
                    + (r.value() == null ? "" : " (was: " + r.value() + ")")
                    + (r.note() == null ? "" : "; removed " + r.note())
                : abs + " was not locked on " + node + "; nothing to do");
      }
    }
    return Outcome.ok(summary);
  }
}
