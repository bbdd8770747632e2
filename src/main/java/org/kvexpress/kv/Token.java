package org.kvexpress.kv;

/**
 * A Consul ACL token. {@link #toString()} never shows it, so a token cannot leak through string
 * concatenation, logging or an exception message; only {@link #secret()} reveals it, for the
 * header.
 */
public final class Token {
  private final String secret;

  private Token(String secret) {
    this.secret = secret;
  }

  /** A token, or null for none: blank values count as no token. */
  public static Token ofNullable(String secret) {
    if (secret == null || secret.isBlank()) {
      return null;
    }
    return new Token(secret.strip());
  }

  public String secret() {
    return secret;
  }

  @Override
  public String toString() {
    return "Token[redacted]";
  }
}
