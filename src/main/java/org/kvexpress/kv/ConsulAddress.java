package org.kvexpress.kv;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import org.kvexpress.core.KvexpressException;

/**
 * A Consul HTTP address parsed the way Consul's Go client reads CONSUL_HTTP_ADDR (Consul's CLI
 * environment variables): optional {@code http://} or {@code https://} scheme, host, optional port,
 * optional path prefix. Without a port the scheme's default (80 or 443) is used, as Go does.
 */
public record ConsulAddress(boolean https, String host, int port, String path) {
  public static final String DEFAULT = "127.0.0.1:8500";

  /**
   * Parses an address; {@code forceHttps} is CONSUL_HTTP_SSL, which upgrades a plain or scheme-less
   * one.
   */
  public static ConsulAddress parse(String raw, boolean forceHttps) {
    String text = raw.trim();
    if (text.isEmpty()) {
      throw KvexpressException.usage(
          "empty Consul address; pass -s HOST:PORT or set CONSUL_HTTP_ADDR");
    }
    boolean https = forceHttps;
    int sep = text.indexOf("://");
    if (sep >= 0) {
      String scheme = text.substring(0, sep).toLowerCase(Locale.ROOT);
      switch (scheme) {
        case "http":
          break;
        case "https":
          https = true;
          break;
        case "unix":
          throw KvexpressException.usage(
              "Consul address "
                  + text
                  + " uses a unix socket, which kvexpress does not support; use http://HOST:PORT or https://HOST:PORT");
        default:
          throw KvexpressException.usage(
              "Consul address "
                  + text
                  + " has unknown scheme \""
                  + scheme
                  + "\"; use http:// or https://");
      }
      text = text.substring(sep + 3);
    }
    try {
      URI uri = new URI("http://" + text);
      if (uri.getHost() == null || uri.getUserInfo() != null || uri.getQuery() != null) {
        throw new URISyntaxException(text, "not HOST[:PORT][/PATH]");
      }
      int port = uri.getPort() >= 0 ? uri.getPort() : (https ? 443 : 80);
      String path = uri.getRawPath() == null ? "" : uri.getRawPath();
      while (path.endsWith("/")) {
        path = path.substring(0, path.length() - 1);
      }
      return new ConsulAddress(https, uri.getHost(), port, path);
    } catch (URISyntaxException e) {
      throw KvexpressException.usage(
          "invalid Consul address \""
              + raw.trim()
              + "\"; use HOST:PORT, http://HOST:PORT or https://HOST:PORT");
    }
  }

  /** How the address appears in messages: host:port and path, plus the scheme when it is https. */
  public String display() {
    return (https ? "https://" : "") + host + ":" + port + path;
  }

  /** The base URL requests are built on. */
  public String baseUrl() {
    return (https ? "https://" : "http://") + host + ":" + port + path;
  }
}
