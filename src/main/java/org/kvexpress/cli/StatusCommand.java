package org.kvexpress.cli;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.util.Comparator;
import joptsimple.OptionParser;
import joptsimple.OptionSet;
import joptsimple.OptionSpec;
import org.kvexpress.core.Checksum;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.kv.KvStore;
import org.kvexpress.log.Fields;
import org.kvexpress.ops.KeyStatus;
import org.kvexpress.ops.Latency;
import org.kvexpress.ops.NodeLock;
import org.kvexpress.ops.NodeStatus;
import org.kvexpress.ops.PromoteService;
import org.kvexpress.ops.StatusService;

/** {@code kvexpress status [-k KEY] [--json]}: what is published, stopped and locked. */
final class StatusCommand implements Command<StatusCommand.Options> {
  /** One key (null for all) and whether to print JSON. */
  record Options(String key, boolean json, boolean latency) {}

  private OptionSpec<String> key;
  private OptionSpec<Void> json;
  private OptionSpec<Void> latency;

  @Override
  public String name() {
    return "status";
  }

  @Override
  public String usage() {
    return "kvexpress status [-k KEY] [--json] [--latency]";
  }

  @Override
  public String summary() {
    return "show every published key: lines, checksum, publisher, stop, last, node locks";
  }

  @Override
  public void declare(OptionParser p) {
    key = Converters.key(p, "only this key");
    json = p.accepts("json", "stable JSON instead of a table (schema in docs/reference.md)");
    latency =
        p.accepts(
            "latency",
            "with -k: how the current version spread: nodes holding it, publish-to-apply "
                + "p50/p90/p99/max, a histogram and the slowest nodes (from out --report)");
  }

  @Override
  public Options options(OptionSet o) {
    if (o.has(latency) && !o.has(key)) {
      throw KvexpressException.usage("--latency describes one key: add -k KEY");
    }
    return new Options(o.valueOf(key), o.has(json), o.has(latency));
  }

  @Override
  public Outcome run(Options o, CommandContext ctx) {
    if (!ctx.datacenters().isEmpty()) {
      return DatacenterStatus.show(o.key(), o.json(), ctx);
    }
    try (KvStore store = ctx.openStore()) {
      StatusService.Status s =
          new StatusService(store, ctx.env().clock()).status(ctx.prefix(), o.key(), o.latency());
      if (!s.skipped().isEmpty()) {
        ctx.log()
            .warn(
                name(),
                Fields.of("skipped", String.join(",", s.skipped()))
                    .add(
                        "note",
                        "names under the prefix that cannot be kvexpress keys (another tool's);"
                            + " the rest is listed"));
      }
      if (o.json()) {
        Gson gson =
            new GsonBuilder()
                .serializeNulls()
                .disableHtmlEscaping()
                .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
                .setPrettyPrinting()
                .create();
        ctx.say(gson.toJson(s));
      } else {
        table(s, ctx);
      }
    }
    return Outcome.OK;
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
      ctx.say(
          String.format(
              fmt,
              "KEY",
              "LINES",
              "BYTES",
              "ENC",
              "CHECKSUM",
              "INDEX",
              "PUBLISHED",
              "BY",
              "LAST",
              "STOP"));
      for (KeyStatus k : s.keys()) {
        ctx.say(
            String.format(
                    fmt,
                    k.key(),
                    dash(k.lines()),
                    dash(k.bytes()),
                    dash(k.encoding()),
                    k.checksum() == null
                        ? "-"
                        : Checksum.shortForm(k.checksum())
                            + (k.verified() ? "" : brotli(k) ? "?" : "!"),
                    k.modifyIndex() == 0 ? "-" : k.modifyIndex(),
                    dash(seconds(k.publishedAt())),
                    dash(k.publishedBy()),
                    k.hasLast() ? "yes" : "no",
                    k.stop() == null ? "-" : (k.stopExpired() ? "expired: " : "") + k.stop())
                .stripTrailing());
      }
      if (s.keys().stream().anyMatch(k -> k.checksum() != null && !k.verified() && !brotli(k))) {
        ctx.say("(! = data does not match its checksum; out refuses it)");
      }
      for (KeyStatus k : s.keys()) {
        if (k.signature() != null || k.chunks() != null) {
          KeyStatus.Signature g = k.signature();
          ctx.say(
              k.key()
                  + ": "
                  + (g == null
                      ? "unsigned"
                      : g.fingerprint() == null
                          ? "signature unreadable"
                          : "signed by "
                              + g.signer()
                              + " ("
                              + g.fingerprint()
                              + ") at "
                              + g.signedAt()
                              + " by "
                              + g.publisher()
                              + (g.matches()
                                  ? ""
                                  : ", but for another version or key: nodes with --trust-key refuse it"))
                  + (k.chunks() == null ? "" : "; " + k.chunks() + " chunks"));
        }
      }
      if (s.keys().stream().anyMatch(StatusCommand::brotli)) {
        ctx.say(
            "(? = undecodable here (brotli, Go kvexpress): this out cannot apply it; republish with kvexpress in)");
      }
      for (KeyStatus k : s.keys()) {
        if (k.slots() != null) {
          ctx.say(
              k.key()
                  + ": reloading on "
                  + (k.slots().holding().isEmpty()
                      ? "no node"
                      : String.join(", ", k.slots().holding()))
                  + "; "
                  + k.slots().waiting()
                  + " node(s) waiting for a reload slot");
        }
        if (k.staged() != null) {
          staged(k, ctx);
        }
        if (k.latency() != null) {
          latency(k, ctx);
        } else if (k.convergence().reporting() > 0) {
          nodes(k, ctx);
        }
      }
    }
    if (!s.locks().isEmpty()) {
      ctx.say("");
      ctx.say(String.format("%-14s %-20s %s", "LOCKED FILE", "HOST", "REASON"));
      for (NodeLock l : s.locks()) {
        ctx.say(
            String.format(
                "%-14s %-20s %s",
                l.fileHash().substring(0, Math.min(12, l.fileHash().length())) + "…",
                l.host(),
                l.reason()));
      }
    }
  }

  /** The convergence of one key: every reporting node, the lagging and failing ones first. */
  private static void nodes(KeyStatus k, CommandContext ctx) {
    KeyStatus.Convergence c = k.convergence();
    ctx.say("");
    ctx.say(
        String.format(
            "%s: %d of %d reporting nodes current, %d lagging (%d of them failing or halted)",
            k.key(), c.current(), c.reporting(), c.lagging(), c.failing()));
    String fmt = "  %-24s %-12s %-9s %-16s %-6s %-20s %s";
    ctx.say(
        String.format(fmt, "NODE", "CHECKSUM", "RESULT", "REASON", "RELOAD", "REPORTED", "LAG")
            .stripTrailing());
    k.nodes().stream()
        .sorted(Comparator.comparing(NodeStatus::current).thenComparing(NodeStatus::host))
        .forEach(
            n ->
                ctx.say(
                    String.format(
                            fmt,
                            n.host() + (Boolean.TRUE.equals(n.canary()) ? " (canary)" : ""),
                            n.checksum() == null ? "-" : Checksum.shortForm(n.checksum()),
                            n.result(),
                            dash(n.reason()),
                            dash(n.reloadExit()),
                            dash(n.reportedAt()),
                            n.current() ? "-" : n.lagSeconds() == null ? "?" : n.lagSeconds() + "s")
                        .stripTrailing()));
  }

  /** The staged version and each canary's state. */
  private static void staged(KeyStatus k, CommandContext ctx) {
    KeyStatus.Staged st = k.staged();
    long holding = st.canaries().stream().filter(PromoteService.Canary::holds).count();
    ctx.say("");
    ctx.say(
        k.key()
            + ": staged "
            + (st.checksum() == null ? "-" : Checksum.shortForm(st.checksum()))
            + " at "
            + dash(st.publishedAt())
            + " by "
            + dash(st.publishedBy())
            + "; "
            + holding
            + " of "
            + st.canaries().size()
            + " canaries hold it"
            + (st.canaries().isEmpty() ? " (no canary reports yet: out --canary --report)" : ""));
    for (PromoteService.Canary c : st.canaries()) {
      ctx.say(String.format("  %-24s %s", c.host(), c.holds() ? "holds it" : c.state()));
    }
  }

  /** How the current version spread: the blog post's graph as text. */
  private static void latency(KeyStatus k, CommandContext ctx) {
    Latency l = k.latency();
    ctx.say("");
    ctx.say(
        String.format(
            "%s: %d of %d reporting nodes hold %s (published %s)",
            k.key(),
            l.holding(),
            l.reporting(),
            k.checksum() == null ? "-" : Checksum.shortForm(k.checksum()),
            dash(k.publishedAt())));
    if (l.measured() == 0) {
      ctx.say(
          "publish -> apply: no node reports a write of this version with its times (out --report)");
    } else {
      ctx.say(
          String.format(
              "publish -> apply over %d nodes: p50 %s  p90 %s  p99 %s  max %s",
              l.measured(), secs(l.p50()), secs(l.p90()), secs(l.p99()), secs(l.max())));
      int most = l.histogram().stream().mapToInt(Latency.Bucket::count).max().orElse(1);
      double lower = 0;
      for (Latency.Bucket b : l.histogram()) {
        String range =
            b.le() == null
                ? String.format("> %ss", trim(lower))
                : String.format("%s-%ss", trim(lower), trim(b.le()));
        if (b.count() > 0 || b.le() != null && b.le() <= l.max()) {
          ctx.say(
              String.format(
                  "  %-12s %-40s %d",
                  range, "#".repeat((int) Math.ceil(40.0 * b.count() / most)), b.count()));
        }
        lower = b.le() == null ? lower : b.le();
      }
      ctx.say(
          "slowest: "
              + String.join(
                  ", ",
                  l.slowest().stream().map(n -> n.host() + " " + secs(n.seconds())).toList()));
    }
    if (!l.notHolding().isEmpty()) {
      ctx.say("not holding it: " + String.join(", ", l.notHolding()));
    }
  }

  /**
   * An ISO time to the second, for the table's fixed-width column (JSON keeps the milliseconds).
   */
  private static String seconds(String iso) {
    return iso != null && iso.length() > 20 && iso.charAt(19) == '.'
        ? iso.substring(0, 19) + "Z"
        : iso;
  }

  private static String secs(Double s) {
    return s == null ? "-" : String.format("%.3fs", s);
  }

  private static String trim(double d) {
    return d == Math.floor(d) ? String.valueOf((long) d) : String.valueOf(d);
  }

  private static String dash(Object o) {
    return o == null ? "-" : String.valueOf(o);
  }
}
