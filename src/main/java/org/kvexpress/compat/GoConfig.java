package org.kvexpress.compat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Problems;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Go kvexpress's YAML config ({@code -C FILE}): consul_server, token, dogstatsd, dogstatsd_address,
 * and the Datadog API settings, which are accepted and not used. Go ignored a missing or broken
 * file silently; here either is a usage error, because a watch handler that silently loses its
 * token or server fails later and harder to see.
 */
public record GoConfig(
    String consulServer,
    String token,
    boolean dogstatsd,
    String dogstatsdAddress,
    boolean datadogSettings) {

  public static GoConfig load(String file) {
    String text;
    try {
      text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw KvexpressException.usage("-C/--config file " + file + " does not exist");
    } catch (IOException e) {
      throw KvexpressException.usage(
          "cannot read -C/--config file " + file + ": " + Problems.describe(e, file));
    }
    Object doc;
    try {
      doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
    } catch (YAMLException e) {
      String why = String.valueOf(e.getMessage()).lines().findFirst().orElse("?");
      throw KvexpressException.usage("-C/--config file " + file + " is not valid YAML: " + why);
    }
    if (doc == null) {
      return new GoConfig(null, null, false, null, false);
    }
    if (!(doc instanceof Map<?, ?> map)) {
      throw KvexpressException.usage(
          "-C/--config file " + file + " must be a YAML mapping (consul_server: …, token: …)");
    }
    if (map.containsKey("files")) {
      // JSON is YAML too: this is out's watch configuration given without --watch.
      throw KvexpressException.usage(
          file
              + " is a watch configuration (it has \"files\"), read only by out --watch: add"
              + " --watch, or give a Go kvexpress YAML config (consul_server: …) with -C");
    }
    Object dogstatsd = map.get("dogstatsd");
    return new GoConfig(
        text(map, "consul_server"),
        text(map, "token"),
        Boolean.TRUE.equals(dogstatsd) || "true".equals(String.valueOf(dogstatsd)),
        text(map, "dogstatsd_address"),
        map.containsKey("datadog_api_key")
            || map.containsKey("datadog_app_key")
            || map.containsKey("datadog_host"));
  }

  private static String text(Map<?, ?> map, String name) {
    Object v = map.get(name);
    return v == null || String.valueOf(v).isEmpty() ? null : String.valueOf(v);
  }
}
