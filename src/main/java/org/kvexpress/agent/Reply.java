package org.kvexpress.agent;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An HTTP answer of the agent: status, headers and body, built by the endpoints and sent by {@link
 * DevAgent}.
 */
final class Reply {
  static final String JSON = "application/json";
  static final String TEXT = "text/plain; charset=utf-8";

  final int status;
  final Map<String, String> headers = new LinkedHashMap<>();
  final byte[] body;

  Reply(int status, String contentType, byte[] body) {
    this.status = status;
    this.body = body;
    if (contentType != null) {
      headers.put("Content-Type", contentType);
    }
  }

  static Reply json(int status, Object value, boolean pretty) {
    return new Reply(status, JSON, GoJson.write(value, pretty).getBytes(StandardCharsets.UTF_8));
  }

  /** An error or plain message: Consul answers these as text/plain. */
  static Reply text(int status, String message) {
    return new Reply(status, TEXT, message.getBytes(StandardCharsets.UTF_8));
  }

  /** A status with no body at all (a KV 404). */
  static Reply empty(int status) {
    return new Reply(status, null, null);
  }

  Reply header(String name, String value) {
    headers.put(name, value);
    return this;
  }

  /** Adds the query meta headers every KV read carries (Consul's query meta headers). */
  Reply queryMeta(long index) {
    return header("X-Consul-Index", Long.toUnsignedString(index))
        .header("X-Consul-Knownleader", "true")
        .header("X-Consul-Lastcontact", "0")
        .header("X-Consul-Query-Backend", "blocking-query");
  }
}
