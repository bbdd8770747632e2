package org.kvexpress.cli;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.kvexpress.core.GoDuration;
import org.kvexpress.core.JsonConfig;
import org.kvexpress.core.KeyNames;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Problems;

/**
 * {@code replicate --config FILE}: the options as a JSON object, for a unit file that should not
 * grow with every key: {@code {"from": "dc1", "to": ["dc2"], "keys": ["hosts"], "min_lines": 10,
 * "trust_keys": ["/etc/kvexpress/trusted"], "recheck": "30s"}} (the last three optional).
 */
final class ReplicateConfig {
  private static final Set<String> FIELDS =
      Set.of("from", "to", "keys", "min_lines", "trust_keys", "recheck");

  private ReplicateConfig() {}

  static ReplicateCommand.Options read(Path path, boolean once, Map<String, String> tokenFiles) {
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
        "from is a string, to, keys and trust_keys lists of strings, min_lines a number, recheck a"
            + " duration such as 30s",
        root -> {
          if (!root.isJsonObject()) {
            throw new IllegalStateException("not an object");
          }
          JsonObject o = root.getAsJsonObject();
          JsonConfig.onlyKnown(o, FIELDS, where, "field");
          if (!o.has("from") || !o.has("to") || !o.has("keys")) {
            throw KvexpressException.usage(where + " needs \"from\", \"to\" and \"keys\"");
          }
          List<String> keys = new ArrayList<>();
          for (String k : JsonConfig.strings(o.getAsJsonArray("keys"))) {
            keys.add(KeyNames.validateKey("key", k));
          }
          Duration recheck =
              o.has("recheck")
                  ? GoDuration.parse(o.get("recheck").getAsString())
                  : Duration.ofSeconds(30);
          if (recheck == null) {
            throw new IllegalStateException("recheck is not a duration");
          }
          return new ReplicateCommand.Options(
              o.get("from").getAsString(),
              JsonConfig.strings(o.getAsJsonArray("to")),
              keys,
              o.has("min_lines") ? o.get("min_lines").getAsInt() : 10,
              recheck,
              once,
              o.has("trust_keys")
                  ? JsonConfig.strings(o.getAsJsonArray("trust_keys")).stream()
                      .map(Path::of)
                      .toList()
                  : List.of(),
              tokenFiles);
        });
  }
}
