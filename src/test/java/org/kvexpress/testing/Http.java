package org.kvexpress.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Plain java.net.http requests for wire-level tests of the agent. */
public final class Http {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(5))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  private Http() {}

  public static HttpResponse<String> get(String url, String... headers) {
    return send(builder(url, headers).GET().build());
  }

  /**
   * A GET that answers null instead of failing when nothing listens (for waiting on a starting
   * agent).
   */
  public static HttpResponse<String> tryGet(String url, String... headers) {
    try {
      return CLIENT.send(
          builder(url, headers).timeout(Duration.ofSeconds(5)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  public static HttpResponse<byte[]> getBytes(String url, String... headers) {
    try {
      return CLIENT.send(
          builder(url, headers).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException | InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  public static HttpResponse<String> put(String url, String body, String... headers) {
    return put(url, body.getBytes(StandardCharsets.UTF_8), headers);
  }

  public static HttpResponse<String> put(String url, byte[] body, String... headers) {
    return send(builder(url, headers).PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build());
  }

  public static HttpResponse<String> delete(String url, String... headers) {
    return send(builder(url, headers).DELETE().build());
  }

  public static HttpResponse<String> method(String method, String url, String... headers) {
    return send(builder(url, headers).method(method, HttpRequest.BodyPublishers.noBody()).build());
  }

  public static HttpClient client() {
    return CLIENT;
  }

  public static HttpRequest.Builder builder(String url, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60));
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return b;
  }

  private static HttpResponse<String> send(HttpRequest r) {
    try {
      return CLIENT.send(r, HttpResponse.BodyHandlers.ofString());
    } catch (IOException | InterruptedException e) {
      throw new AssertionError(e);
    }
  }
}
