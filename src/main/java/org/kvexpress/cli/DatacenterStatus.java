package org.kvexpress.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.kvexpress.core.Checksum;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.kv.KvStore;
import org.kvexpress.ops.KeyStatus;
import org.kvexpress.ops.StatusService;

/**
 * {@code status --datacenters dc1,dc2}: each key's version in each datacenter side by side, and
 * which datacenters are behind the newest one (a different checksum than the most recently
 * published version of the key) and for how long: the replication lag an operator asks about.
 */
final class DatacenterStatus {
  private DatacenterStatus() {}

  /** One key in one datacenter: its checksum and publish time. */
  record Row(String dc, String checksum, String publishedAt) {}

  static Outcome show(String onlyKey, boolean json, CommandContext ctx) {
    Map<String, Map<String, Row>> byKey = new LinkedHashMap<>();
    List<String> dcs = ctx.datacenters();
    // A datacenter that could not be read is unreadable for every key, including keys that only
    // later datacenters show.
    List<String> unreachable = new ArrayList<>();
    Set<String> unread = new HashSet<>();
    for (String dc : dcs) {
      try (KvStore store = ctx.openStore(dc)) {
        StatusService.Status s =
            new StatusService(store, ctx.env().clock()).status(ctx.prefix(), onlyKey, false);
        for (KeyStatus k : s.keys()) {
          byKey
              .computeIfAbsent(k.key(), x -> new LinkedHashMap<>())
              .put(dc, new Row(dc, k.checksum(), k.publishedAt()));
        }
      } catch (KvexpressException e) {
        unreachable.add(dc + ": " + e.getMessage());
        unread.add(dc);
      }
    }
    Instant now = ctx.env().clock().instant();
    JsonArray out = new JsonArray();
    if (!json) {
      ctx.say(
          String.format(
              "%-24s %-10s %-12s %-24s %s", "KEY", "DC", "CHECKSUM", "PUBLISHED", "BEHIND"));
    }
    for (String key : new TreeSet<>(byKey.keySet())) {
      Map<String, Row> rows = byKey.get(key);
      Row newest = null;
      for (Row r : rows.values()) {
        if (r.checksum() != null
            && (newest == null || time(r.publishedAt()).isAfter(time(newest.publishedAt())))) {
          newest = r;
        }
      }
      for (String dc : dcs) {
        Row r = rows.get(dc);
        String behind;
        if (unread.contains(dc)) {
          behind = "unreadable";
        } else if (r == null) {
          behind = "missing";
        } else if (newest == null || newest.checksum().equals(r.checksum())) {
          behind = "-";
        } else {
          behind =
              Math.max(0, Duration.between(time(newest.publishedAt()), now).toSeconds())
                  + "s ("
                  + newest.dc()
                  + " has "
                  + Checksum.shortForm(newest.checksum())
                  + ")";
        }
        if (json) {
          JsonObject o = new JsonObject();
          o.addProperty("key", key);
          o.addProperty("dc", dc);
          o.addProperty("checksum", r == null ? null : r.checksum());
          o.addProperty("published_at", r == null ? null : r.publishedAt());
          o.addProperty("behind", behind.equals("-") ? null : behind);
          out.add(o);
        } else {
          ctx.say(
              String.format(
                      "%-24s %-10s %-12s %-24s %s",
                      key,
                      dc,
                      r == null || r.checksum() == null ? "-" : Checksum.shortForm(r.checksum()),
                      r == null || r.publishedAt() == null ? "-" : r.publishedAt(),
                      behind)
                  .stripTrailing());
        }
      }
    }
    if (json) {
      JsonObject all = new JsonObject();
      all.add("keys", out);
      JsonArray errs = new JsonArray();
      unreachable.forEach(errs::add);
      all.add("unreadable", errs);
      ctx.say(new GsonBuilder().serializeNulls().setPrettyPrinting().create().toJson(all));
    } else {
      unreachable.forEach(u -> ctx.say("unreadable " + u));
    }
    if (!unreachable.isEmpty()) {
      throw KvexpressException.because(
          org.kvexpress.core.Reason.UNREACHABLE,
          "could not read " + unreachable.size() + " of " + dcs.size() + " datacenters");
    }
    return Outcome.OK;
  }

  private static Instant time(String iso) {
    try {
      return iso == null ? Instant.EPOCH : Instant.parse(iso);
    } catch (DateTimeParseException e) {
      return Instant.EPOCH;
    }
  }
}
