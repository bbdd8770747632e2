package org.kvexpress.agent;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The agent's ACL model: off, or one management token that may do everything (Consul's ACL rules).
 * Any other token gets "ACL not found"; no token is the anonymous token, which may do nothing.
 */
final class Acl {
  static final String ANONYMOUS = "anonymous";

  private final String managementToken;

  Acl(String managementToken) {
    this.managementToken =
        managementToken == null || managementToken.isEmpty() ? null : managementToken;
  }

  boolean enabled() {
    return managementToken != null;
  }

  /** How the request's token resolves: "ok", "anonymous" or "not-found". */
  String resolve(String token) {
    if (managementToken == null) {
      return "ok";
    }
    if (token == null || token.isEmpty()) {
      return ANONYMOUS;
    }
    return constantTimeEquals(token, managementToken) ? "ok" : "not-found";
  }

  static String deniedText(String permission, String resource) {
    return "Permission denied: anonymous token lacks permission '"
        + permission
        + "' on \""
        + resource
        + "\". The anonymous token is used implicitly when a request does not specify a token.";
  }

  private static boolean constantTimeEquals(String a, String b) {
    return MessageDigest.isEqual(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }
}
