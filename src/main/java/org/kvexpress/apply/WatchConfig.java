package org.kvexpress.apply;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
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
    List<Entry> entries = new ArrayList<>();
    List<String> trust = new ArrayList<>();
    boolean noOlder;
    boolean canary;
    String metricsAddr;
    try {
      JsonElement root = JsonParser.parseString(text);
      JsonArray files =
          root.isJsonObject() && root.getAsJsonObject().has("files")
              ? root.getAsJsonObject().getAsJsonArray("files")
              : null;
      if (files == null || files.isEmpty()) {
        throw KvexpressException.usage(
            "--config " + path + " needs {\"files\": [{\"key\": …, \"file\": …}, …]}");
      }
      JsonObject top = root.getAsJsonObject();
      for (String f : top.keySet()) {
        if (!TOP.contains(f)) {
          throw KvexpressException.usage(
              "--config "
                  + path
                  + ": unknown top-level field \""
                  + f
                  + "\"; known: "
                  + String.join(", ", new TreeSet<>(TOP)));
        }
      }
      if (top.has("trust_keys")) {
        for (JsonElement k : top.getAsJsonArray("trust_keys")) {
          trust.add(k.getAsString());
        }
      }
      noOlder = top.has("no_older") && top.get("no_older").getAsBoolean();
      canary = top.has("canary") && top.get("canary").getAsBoolean();
      metricsAddr = str(top, "metrics_addr");
      int i = 0;
      for (JsonElement e : files) {
        JsonObject o = e.getAsJsonObject();
        for (String f : o.keySet()) {
          if (!FIELDS.contains(f)) {
            throw KvexpressException.usage(
                "--config "
                    + path
                    + " entry "
                    + i
                    + ": unknown field \""
                    + f
                    + "\"; known: "
                    + String.join(", ", new TreeSet<>(FIELDS)));
          }
        }
        if (!o.has("key") || !o.has("file")) {
          throw KvexpressException.usage(
              "--config " + path + " entry " + i + " needs both \"key\" and \"file\"");
        }
        entries.add(
            new Entry(
                str(o, "key"),
                str(o, "file"),
                str(o, "mode"),
                str(o, "owner"),
                str(o, "check"),
                str(o, "exec"),
                o.has("min_lines") ? o.get("min_lines").getAsInt() : null,
                o.has("canary") && o.get("canary").getAsBoolean(),
                o.has("reload_slots") ? o.get("reload_slots").getAsInt() : null,
                str(o, "health_service"),
                str(o, "health_check")));
        i++;
      }
    } catch (JsonParseException e) {
      throw KvexpressException.usage(
          "--config " + path + " is " + Problems.describe(e) + "; fix it (jq . shows where)");
    } catch (IllegalStateException
        | UnsupportedOperationException
        | NumberFormatException
        | ClassCastException e) {
      // Gson's wording names its own classes: say what shape was expected instead.
      throw KvexpressException.usage(
          "--config "
              + path
              + " has a value of the wrong type: files is a list of objects, key, file, mode, owner,"
              + " check, exec, health_service and health_check are strings, min_lines and reload_slots numbers, no_older and canary true or"
              + " false, trust_keys a list of strings");
    }
    return new Parsed(entries, trust, noOlder, canary, metricsAddr);
  }

  /** A text field; anything but a string (a number, a list) is the wrong type. */
  private static String str(JsonObject o, String f) {
    if (!o.has(f) || o.get(f).isJsonNull()) {
      return null;
    }
    JsonElement v = o.get(f);
    if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
      throw new IllegalStateException(f + " is not a string");
    }
    return v.getAsString();
  }
}
