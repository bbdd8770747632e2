package org.kvexpress.agent;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One request as the agent received it, kept for tests (okhttp MockWebServer's RecordedRequest).
 * Header names are lowercased; query values are URL-decoded, and a flag without value maps to "".
 */
public record RecordedRequest(
    long sequence,
    String method,
    String path,
    String rawQuery,
    Map<String, String> headers,
    byte[] body) {

  /** The decoded query parameters in order; only the first value of a repeated name is kept. */
  public Map<String, String> query() {
    Map<String, String> q = new LinkedHashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return q;
    }
    for (String part : rawQuery.split("&")) {
      if (part.isEmpty()) {
        continue;
      }
      int eq = part.indexOf('=');
      String name = decode(eq < 0 ? part : part.substring(0, eq));
      String value = eq < 0 ? "" : decode(part.substring(eq + 1));
      q.putIfAbsent(name, value);
    }
    return q;
  }

  public String header(String name) {
    return headers.get(name.toLowerCase(Locale.ROOT));
  }

  /** The method and path, e.g. {@code PUT /v1/txn}. */
  public String requestLine() {
    return method + " " + path + (rawQuery == null ? "" : "?" + rawQuery);
  }

  public static Map<String, String> headersOf(Map<String, List<String>> raw) {
    Map<String, String> h = new LinkedHashMap<>();
    raw.forEach((k, v) -> h.put(k.toLowerCase(Locale.ROOT), v.isEmpty() ? "" : v.get(0)));
    return h;
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return s;
    }
  }
}
