package org.kvexpress.apply;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.kvexpress.core.JsonConfig;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Problems;

/**
 * The {@code out --watch --config FILE} format: a JSON object with a "files" array, one entry per
 * file. Keys: key and file (required); mode, owner, check, exec, min_lines, canary, reload_slots,
 * health_service and health_check (optional, like the flags). Top level beside "files", for every
 * file: trust_keys (like --trust-key, a list), no_older (like --no-older) and canary (like
 * --canary, for every entry).
 *
 * <pre>
 * {"files": [{"key": "hosts", "file": "/etc/hosts.consul", "mode": "0644", "exec": "pkill -HUP dnsmasq"}],
 *  "trust_keys": ["/etc/kvexpress/trusted"], "no_older": true}</pre>
 */
public final class WatchConfig {
  private static final Set<String> FIELDS =
      Set.of(
          "key",
          "file",
          "mode",
          "owner",
          "check",
          "exec",
          "min_lines",
          "canary",
          "reload_slots",
          "health_service",
          "health_check");
  private static final Set<String> TOP =
      Set.of("files", "trust_keys", "no_older", "canary", "metrics_addr");

  /** The whole file: its entries and the node-wide settings. */
  public record Parsed(
      List<Entry> files,
      List<String> trustKeys,
      boolean noOlder,
      boolean canary,
      String metricsAddr) {}

  /** One file to keep applied. Null fields take the command line's values. */
  public record Entry(
      String key,
      String file,
      String mode,
      String owner,
      String check,
      String exec,
      Integer minLines,
      boolean canary,
      Integer reloadSlots,
      String healthService,
      String healthCheck) {}

  private WatchConfig() {}

  public static Parsed read(Path path) {
    String text;
    try {
      text = Files.readString(path);
    } catch (IOException e) {
      throw KvexpressException.usage(
          "cannot read --config " + path + ": " + Problems.describe(e, path));
    }
    String where = "--config " + path;
    return JsonConfig.parse(
        where,
        text,
        "files is a list of objects, key, file, mode, owner, check, exec, health_service and"
            + " health_check are strings, min_lines and reload_slots numbers, no_older and canary"
            + " true or false, trust_keys a list of strings",
        root -> {
          JsonArray files =
              root.isJsonObject() && root.getAsJsonObject().has("files")
                  ? root.getAsJsonObject().getAsJsonArray("files")
                  : null;
          if (files == null || files.isEmpty()) {
            throw KvexpressException.usage(
                where + " needs {\"files\": [{\"key\": …, \"file\": …}, …]}");
          }
          JsonObject top = root.getAsJsonObject();
          JsonConfig.onlyKnown(top, TOP, where, "top-level field");
          List<String> trust = new ArrayList<>();
          if (top.has("trust_keys")) {
            for (JsonElement k : top.getAsJsonArray("trust_keys")) {
              trust.add(k.getAsString());
            }
          }
          boolean noOlder = top.has("no_older") && top.get("no_older").getAsBoolean();
          boolean canary = top.has("canary") && top.get("canary").getAsBoolean();
          String metricsAddr = JsonConfig.string(top, "metrics_addr");
          List<Entry> entries = new ArrayList<>();
          int i = 0;
          for (JsonElement e : files) {
            JsonObject o = e.getAsJsonObject();
            JsonConfig.onlyKnown(o, FIELDS, where + " entry " + i, "field");
            if (!o.has("key") || !o.has("file")) {
              throw KvexpressException.usage(
                  where + " entry " + i + " needs both \"key\" and \"file\"");
            }
            entries.add(
                new Entry(
                    JsonConfig.string(o, "key"),
                    JsonConfig.string(o, "file"),
                    JsonConfig.string(o, "mode"),
                    JsonConfig.string(o, "owner"),
                    JsonConfig.string(o, "check"),
                    JsonConfig.string(o, "exec"),
                    o.has("min_lines") ? o.get("min_lines").getAsInt() : null,
                    o.has("canary") && o.get("canary").getAsBoolean(),
                    o.has("reload_slots") ? o.get("reload_slots").getAsInt() : null,
                    JsonConfig.string(o, "health_service"),
                    JsonConfig.string(o, "health_check")));
            i++;
          }
          return new Parsed(entries, trust, noOlder, canary, metricsAddr);
        });
  }
}
