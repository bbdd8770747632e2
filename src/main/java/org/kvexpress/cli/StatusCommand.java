package org.kvexpress.cli;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.util.List;
import joptsimple.OptionParser;
import joptsimple.OptionSet;
import joptsimple.OptionSpec;
import org.kvexpress.core.Checksum;
import org.kvexpress.kv.KvStore;
import org.kvexpress.ops.KeyStatus;
import org.kvexpress.ops.NodeLock;
import org.kvexpress.ops.NodeStatus;
import org.kvexpress.ops.StatusService;

/** {@code kvexpress status [-k KEY] [--json]}: what is published, stopped and locked. */
final class StatusCommand implements Command<StatusCommand.Options> {
  /** One key (null for all) and whether to print JSON. */
  record Options(String key, boolean json) {}

  private OptionSpec<String> key;
  private OptionSpec<Void> json;

  @Override
  public String name() {
    return "status";
  }

  @Override
  public String usage() {
    return "kvexpress status [-k KEY] [--json]";
  }

  @Override
  public String summary() {
    return "show every published key: lines, checksum, publisher, stop, last, node locks";
  }

  @Override
  public void declare(OptionParser p) {
    key = p.acceptsAll(List.of("k", "key"), "only this key").withRequiredArg().withValuesConvertedBy(Converters.KEY);
    json = p.accepts("json", "stable JSON instead of a table (schema in README.md)");
  }

  @Override
  public Options options(OptionSet o) {
    return new Options(o.valueOf(key), o.has(json));
  }

  @Override
  public CommandResult run(Options o, CommandContext ctx) {
    try (KvStore store = ctx.openStore()) {
      StatusService.Status s = new StatusService(store, ctx.env().clock()).status(ctx.prefix(), o.key());
      if (o.json()) {
        Gson gson = new GsonBuilder().serializeNulls().disableHtmlEscaping()
            .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES).setPrettyPrinting().create();
        ctx.say(gson.toJson(s));
      } else {
        table(s, ctx);
      }
    }
    return CommandResult.OK;
  }

  /** Go kvexpress's brotli data (Flags 1): unverifiable here, which is not a checksum mismatch. */
  private static boolean brotli(KeyStatus k) {
    return "brotli".equals(k.encoding());
  }

  private static void table(StatusService.Status s, CommandContext ctx) {
    if (s.keys().isEmpty()) {
      ctx.say("nothing published under " + s.prefix() + "/");
    } else {
      String fmt = "%-24s %7s %9s %-6s %-12s %8s %-20s %-16s %-4s %s";
      ctx.say(String.format(fmt, "KEY", "LINES", "BYTES", "ENC", "CHECKSUM", "INDEX", "PUBLISHED", "BY", "LAST",
          "STOP"));
      for (KeyStatus k : s.keys()) {
        ctx.say(String.format(fmt, k.key(), dash(k.lines()), dash(k.bytes()), dash(k.encoding()),
            k.checksum() == null ? "-" : Checksum.shortForm(k.checksum()) + (k.verified() ? "" : brotli(k) ? "?" : "!"),
            k.modifyIndex() == 0 ? "-" : k.modifyIndex(), dash(k.publishedAt()), dash(k.publishedBy()),
            k.hasLast() ? "yes" : "no", k.stop() == null ? "-" : k.stop()).stripTrailing());
      }
      if (s.keys().stream().anyMatch(k -> k.checksum() != null && !k.verified() && !brotli(k))) {
        ctx.say("(! = data does not match its checksum; out refuses it)");
      }
      for (KeyStatus k : s.keys()) {
        if (k.signature() != null || k.chunks() != null) {
          KeyStatus.Signature g = k.signature();
          ctx.say(k.key() + ": " + (g == null ? "unsigned" : g.fingerprint() == null ? "signature unreadable"
              : "signed by " + g.signer() + " (" + g.fingerprint() + ") at " + g.signedAt() + " by " + g.publisher()
              + (g.matches() ? "" : ", but for another version or key: nodes with --trust-key refuse it"))
              + (k.chunks() == null ? "" : "; " + k.chunks() + " chunks"));
        }
      }
      if (s.keys().stream().anyMatch(StatusCommand::brotli)) {
        ctx.say("(? = undecodable here (brotli, Go kvexpress): this out cannot apply it; republish with kvexpress in)");
      }
      for (KeyStatus k : s.keys()) {
        if (k.convergence().reporting() > 0) {
          nodes(k, ctx);
        }
      }
    }
    if (!s.locks().isEmpty()) {
      ctx.say("");
      ctx.say(String.format("%-14s %-20s %s", "LOCKED FILE", "HOST", "REASON"));
      for (NodeLock l : s.locks()) {
        ctx.say(String.format("%-14s %-20s %s", l.fileHash().substring(0, Math.min(12, l.fileHash().length())) + "…",
            l.host(), l.reason()));
      }
    }
  }

  /** The convergence of one key: every reporting node, the lagging and failing ones first. */
  private static void nodes(KeyStatus k, CommandContext ctx) {
    KeyStatus.Convergence c = k.convergence();
    ctx.say("");
    ctx.say(String.format("%s: %d of %d reporting nodes current, %d lagging (%d of them failing or halted)", k.key(),
        c.current(), c.reporting(), c.lagging(), c.failing()));
    String fmt = "  %-24s %-12s %-9s %-16s %-6s %-20s %s";
    ctx.say(String.format(fmt, "NODE", "CHECKSUM", "RESULT", "REASON", "RELOAD", "REPORTED", "LAG").stripTrailing());
    k.nodes().stream()
        .sorted(java.util.Comparator.comparing(NodeStatus::current).thenComparing(NodeStatus::host))
        .forEach(n -> ctx.say(String.format(fmt, n.host(), n.checksum() == null ? "-" : Checksum.shortForm(n.checksum()),
            n.result(), dash(n.reason()), dash(n.reloadExit()), dash(n.reportedAt()),
            n.current() ? "-" : n.lagSeconds() == null ? "?" : n.lagSeconds() + "s").stripTrailing()));
  }

  private static String dash(Object o) {
    return o == null ? "-" : String.valueOf(o);
  }
}
