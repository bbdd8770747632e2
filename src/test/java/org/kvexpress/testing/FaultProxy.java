package org.kvexpress.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.kvexpress.agent.Fault;
import org.kvexpress.agent.FaultPlan;
import org.kvexpress.agent.RecordedRequest;

/**
 * A small HTTP proxy in front of a real Consul agent that records requests and injects the dev
 * agent's faults (drop, delay, answer 500, forward then drop the answer). Without a fault it
 * forwards method, path, query, headers and body unchanged and returns Consul's status, headers and
 * body byte for byte, so what the client sees is Consul's answer.
 */
public final class FaultProxy implements AutoCloseable {
  /** Hop-by-hop and framing headers, which each side of the proxy sets for itself. */
  private static final Set<String> NOT_FORWARDED =
      Set.of(
          "connection",
          "content-length",
          "expect",
          "host",
          "upgrade",
          "transfer-encoding",
          "keep-alive",
          "date");

  private final String upstream;
  private final FaultPlan faults = new FaultPlan(10_000, 0);
  private final HttpClient client;
  private final ExecutorService executor =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "fault-proxy");
            t.setDaemon(true);
            return t;
          });
  private HttpServer server;

  /** A proxy to {@code upstreamAddress} (host:port of Consul's HTTP API). */
  public FaultProxy(String upstreamAddress) {
    this.upstream = "http://" + upstreamAddress;
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .executor(executor)
            .build();
  }

  public FaultProxy start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
    return this;
  }

  public String address() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  public FaultPlan faults() {
    return faults;
  }

  @Override
  public void close() {
    if (server != null) {
      server.stop(0);
      executor.shutdownNow();
      server = null;
    }
  }

  private void handle(HttpExchange ex) {
    try (ex) {
      byte[] body = ex.getRequestBody().readAllBytes();
      RecordedRequest req =
          new RecordedRequest(
              0,
              ex.getRequestMethod(),
              ex.getRequestURI().getPath(),
              ex.getRequestURI().getRawQuery(),
              RecordedRequest.headersOf(ex.getRequestHeaders()),
              body);
      FaultPlan.Injected injected = faults.admit(req);
      Fault fault = injected.fault();
      if (fault == Fault.DROP) {
        return;
      }
      if (fault == Fault.HTTP_500) {
        byte[] text = "injected fault (kvexpress test proxy)".getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(500, text.length);
        ex.getResponseBody().write(text);
        return;
      }
      if (fault == Fault.DELAY) {
        Thread.sleep(Fault.DELAY_TIME.toMillis());
      }
      HttpResponse<byte[]> answer =
          client.send(forward(ex, body), HttpResponse.BodyHandlers.ofByteArray());
      if (fault == Fault.DROP_AFTER_APPLY) {
        if (injected.meanwhile() != null) {
          injected.meanwhile().run();
        }
        return;
      }
      answer
          .headers()
          .map()
          .forEach(
              (name, values) -> {
                if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT))) {
                  ex.getResponseHeaders().put(name, List.copyOf(values));
                }
              });
      byte[] out = answer.body();
      boolean noBody = out.length == 0 || ex.getRequestMethod().equals("HEAD");
      ex.sendResponseHeaders(answer.statusCode(), noBody ? -1 : out.length);
      if (!noBody) {
        try (OutputStream os = ex.getResponseBody()) {
          os.write(out);
        }
      }
    } catch (IOException e) {
      // the client or Consul went away: closing the exchange is all there is to do
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private HttpRequest forward(HttpExchange ex, byte[] body) {
    URI uri =
        URI.create(
            upstream
                + ex.getRequestURI().getRawPath()
                + (ex.getRequestURI().getRawQuery() == null
                    ? ""
                    : "?" + ex.getRequestURI().getRawQuery()));
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(10));
    for (Map.Entry<String, List<String>> h : ex.getRequestHeaders().entrySet()) {
      if (!NOT_FORWARDED.contains(h.getKey().toLowerCase(Locale.ROOT))) {
        for (String v : h.getValue()) {
          b.header(h.getKey(), v);
        }
      }
    }
    boolean hasBody = body.length > 0 || !ex.getRequestMethod().equals("GET");
    return b.method(
            ex.getRequestMethod(),
            hasBody
                ? HttpRequest.BodyPublishers.ofByteArray(body)
                : HttpRequest.BodyPublishers.noBody())
        .build();
  }
}
