package org.kvexpress.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Problems;
import org.kvexpress.core.Reason;

/**
 * {@code out --watch --metrics-addr}: the JDK's HTTP server (already in the dev agent, no new
 * dependency) serving {@code /metrics} in the Prometheus text format and {@code /healthz}, a plain
 * 200 "ok" while Consul answers the watcher, else 503 saying since when (for the unit's watchdog).
 */
public final class MetricsServer implements AutoCloseable {
  /** The content type Prometheus expects of the text format. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  /** What {@code /healthz} answers: null when healthy, else why not. */
  public interface Health {
    String problem();
  }

  private final HttpServer server;

  private MetricsServer(HttpServer server) {
    this.server = server;
  }

  /** Starts serving on {@code address}; the metrics text comes from {@code metrics}. */
  public static MetricsServer start(
      InetSocketAddress address, Supplier<String> metrics, Health health) {
    HttpServer s;
    try {
      s = HttpServer.create(address, 16);
    } catch (BindException e) {
      throw KvexpressException.because(
          Reason.BIND,
          "cannot serve metrics on "
              + address.getHostString()
              + ":"
              + address.getPort()
              + ": "
              + Problems.describe(e)
              + "; pick another --metrics-addr");
    } catch (IOException e) {
      throw KvexpressException.because(
          Reason.BIND, "cannot serve metrics on " + address + ": " + Problems.describe(e));
    }
    s.createContext("/metrics", ex -> answer(ex, 200, CONTENT_TYPE, metrics.get()));
    s.createContext(
        "/healthz",
        ex -> {
          String problem = health.problem();
          answer(
              ex,
              problem == null ? 200 : 503,
              "text/plain; charset=utf-8",
              problem == null ? "ok\n" : problem + "\n");
        });
    s.createContext("/", ex -> answer(ex, 404, "text/plain; charset=utf-8", "try /metrics\n"));
    s.setExecutor(
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "kvexpress-metrics");
              t.setDaemon(true);
              return t;
            }));
    s.start();
    return new MetricsServer(s);
  }

  /** The port it listens on (the one asked for, or the one chosen for port 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  private static void answer(HttpExchange ex, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    boolean head = ex.getRequestMethod().equals("HEAD");
    ex.sendResponseHeaders(status, head ? -1 : bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      if (!head) {
        out.write(bytes);
      }
    }
  }

  /** An address as --metrics-addr takes it: PORT or :PORT (loopback), or HOST:PORT. */
  public static InetSocketAddress parse(String addr) {
    String host = "127.0.0.1";
    String port = addr;
    int colon = addr.lastIndexOf(':');
    if (colon >= 0) {
      host = colon == 0 ? host : addr.substring(0, colon).replace("[", "").replace("]", "");
      port = addr.substring(colon + 1);
    }
    try {
      int p = Integer.parseInt(port);
      if (p < 0 || p > 65535) {
        throw new NumberFormatException();
      }
      return new InetSocketAddress(host, p);
    } catch (NumberFormatException e) {
      throw KvexpressException.usage(
          "--metrics-addr \"" + addr + "\" is not PORT, :PORT or HOST:PORT (e.g. 127.0.0.1:9150)");
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
