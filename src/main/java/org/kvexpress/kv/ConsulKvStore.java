package org.kvexpress.kv;

import com.ecwid.consul.transport.DefaultHttpTransport;
import com.ecwid.consul.transport.HttpRequest;
import com.ecwid.consul.transport.HttpResponse;
import com.ecwid.consul.transport.HttpTransport;
import com.ecwid.consul.transport.TransportException;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.apache.http.NoHttpResponseException;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.config.RegistryBuilder;
import org.apache.http.conn.ConnectTimeoutException;
import org.apache.http.conn.socket.ConnectionSocketFactory;
import org.apache.http.conn.socket.PlainConnectionSocketFactory;
import org.apache.http.conn.ssl.DefaultHostnameVerifier;
import org.apache.http.conn.ssl.NoopHostnameVerifier;
import org.apache.http.conn.ssl.SSLConnectionSocketFactory;
import org.apache.http.conn.util.PublicSuffixMatcher;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClientBuilder;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;
import org.kvexpress.core.HealthVerdict;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Problems;
import org.kvexpress.core.Reason;

/**
 * {@link KvStore} over the Ecwid consul-api client's HTTP transport ({@code DefaultHttpTransport}
 * and its {@code HttpRequest}). The token goes only in the X-Consul-Token header: Ecwid's
 * KeyValueClient getters would put it in {@code ?token=}, which Consul deprecates and proxies log.
 * ConsulRawClient is not used because loading it builds a second, default HTTP client with full TLS
 * set-up, which costs every watch-handler start tens of milliseconds. This is the only class that
 * imports com.ecwid.
 */
public final class ConsulKvStore implements KvStore, AgentApi {
  private final ConsulSettings settings;
  private final Retrier retrier;
  private final CloseableHttpClient plainHttp;
  private final HttpTransport plain;
  private CloseableHttpClient blockingHttp;
  private HttpTransport blocking;
  private Duration blockingTimeout;
  private SSLContext sslContext;

  private final RequestTrace trace;

  public ConsulKvStore(ConsulSettings settings) {
    this(settings, RequestTrace.NONE);
  }

  /** A store that tells {@code trace} about each request and retry. */
  public ConsulKvStore(ConsulSettings settings, RequestTrace trace) {
    this.settings = settings;
    this.trace = trace;
    this.retrier = new Retrier(settings.retryFor(), trace);
    this.plainHttp = httpClient(ConsulSettings.READ_TIMEOUT);
    this.plain = traced(new DefaultHttpTransport(plainHttp));
  }

  /** {@code transport}, telling the trace about each request (when there is a trace). */
  private HttpTransport traced(HttpTransport transport) {
    if (trace == RequestTrace.NONE) {
      return transport;
    }
    String base = settings.address().baseUrl();
    return new HttpTransport() {
      @Override
      public HttpResponse makeGetRequest(HttpRequest r) {
        return send("GET", r, () -> transport.makeGetRequest(r));
      }

      @Override
      public HttpResponse makePutRequest(HttpRequest r) {
        return send("PUT", r, () -> transport.makePutRequest(r));
      }

      @Override
      public HttpResponse makeDeleteRequest(HttpRequest r) {
        return send("DELETE", r, () -> transport.makeDeleteRequest(r));
      }

      private HttpResponse send(String method, HttpRequest r, Supplier<HttpResponse> call) {
        String path = r.getUrl().startsWith(base) ? r.getUrl().substring(base.length()) : "?";
        long start = System.nanoTime();
        try {
          HttpResponse answer = call.get();
          trace.answered(
              method, path, answer.getStatusCode(), (System.nanoTime() - start) / 1_000_000);
          return answer;
        } catch (TransportException e) {
          trace.unanswered(
              method, path, describe(e.getCause()), (System.nanoTime() - start) / 1_000_000);
          throw e;
        }
      }
    };
  }

  @Override
  public long retries() {
    return retrier.retries();
  }

  @Override
  public String address() {
    return settings.address().display();
  }

  @Override
  public Optional<KvEntry> get(String key) {
    HttpResponse r = call(Op.READ, key, () -> plain.makeGetRequest(request(kv(key))));
    if (r.getStatusCode() == 404) {
      return Optional.empty();
    }
    List<KvEntry> entries = parseEntries(r.getContent());
    return entries.isEmpty() ? Optional.empty() : Optional.of(entries.get(0));
  }

  @Override
  public KvListing list(String prefix) {
    // With acl.enable_key_list_policy a recurse GET needs key:list (403 otherwise); without it,
    // Consul leaves out what the token may not read.
    HttpResponse r =
        call(Op.LIST, prefix, () -> plain.makeGetRequest(request(kv(prefix), "recurse")));
    return listing(r);
  }

  @Override
  public List<String> keys(String prefix) {
    HttpResponse r = call(Op.LIST, prefix, () -> plain.makeGetRequest(request(kv(prefix), "keys")));
    if (r.getStatusCode() == 404) {
      return List.of();
    }
    List<String> names = new ArrayList<>();
    for (JsonElement e : asArray(JsonParser.parseString(r.getContent()))) {
      names.add(e.getAsString());
    }
    return names;
  }

  @Override
  public KvListing watch(String keyOrPrefix, boolean recurse, long index, Duration wait) {
    HttpTransport client = blockingClient(wait);
    HttpRequest req =
        request(
            kv(keyOrPrefix),
            recurse ? "recurse" : null,
            "index=" + Long.toUnsignedString(index),
            "wait=" + wait.toMillis() + "ms");
    // One try: after a failure the watcher starts over from index 0 (the agent may have restarted
    // with an older store, and a blocking query whose index is ahead of the store's would wait out
    // its whole wait).
    return listing(
        call(recurse ? Op.LIST : Op.READ, keyOrPrefix, () -> client.makeGetRequest(req), false));
  }

  @Override
  public void put(String key, byte[] value, long flags) {
    HttpRequest req = request(kv(key), value, "flags=" + Long.toUnsignedString(flags));
    call(Op.WRITE, key, () -> plain.makePutRequest(req));
  }

  @Override
  public void delete(String key) {
    call(Op.WRITE, key, () -> plain.makeDeleteRequest(request(kv(key))));
  }

  @Override
  public TxnResult txn(List<TxnOp> ops, boolean consistent) {
    if (ops.size() > ConsulLimits.MAX_TXN_OPS) {
      // A caller's bug, not an operator's: every transaction kvexpress builds has a fixed handful
      // of ops.
      throw new IllegalArgumentException(
          "a transaction of "
              + ops.size()
              + " operations exceeds Consul 1.8's "
              + ConsulLimits.MAX_TXN_OPS);
    }
    String body = TxnCodec.encode(ops);
    boolean readOnly = !ops.isEmpty() && ops.stream().allMatch(TxnOp::readOnly);
    HttpRequest req =
        request(
            "/v1/txn",
            body.getBytes(StandardCharsets.UTF_8),
            readOnly && consistent ? "consistent" : null);
    HttpResponse r =
        call(
            readOnly ? Op.TXN_READ : Op.TXN_WRITE,
            ops.isEmpty() ? "(empty transaction)" : ops.get(0).key(),
            () -> plain.makePutRequest(req));
    JsonObject json = txnAnswer(r);
    if (r.getStatusCode() == 409) {
      List<TxnResult.TxnError> errors = new ArrayList<>();
      for (JsonElement e : asArray(json.get("Errors"))) {
        JsonObject o = e.getAsJsonObject();
        String what = o.get("What").getAsString();
        // Consul reports ACL denials inside a transaction as a rollback, not a 403 (Consul's
        // /v1/txn API).
        if (what.contains("Permission denied") || what.contains("ACL not found")) {
          int index = o.get("OpIndex").getAsInt();
          throw KvexpressException.because(
              Reason.ACL_DENIED,
              index < ops.size()
                  ? denial(ops.get(index), what)
                  : "Consul denied the transaction: " + redact(what));
        }
        errors.add(new TxnResult.TxnError(o.get("OpIndex").getAsInt(), what));
      }
      return new TxnResult(false, List.of(), errors);
    }
    List<KvEntry> results = new ArrayList<>();
    for (JsonElement e : asArray(json.get("Results"))) {
      JsonElement kv = e.getAsJsonObject().get("KV");
      if (kv != null && kv.isJsonObject()) {
        results.add(entry(kv.getAsJsonObject()));
      }
    }
    return new TxnResult(true, results, List.of());
  }

  @Override
  public String createSession(String name, Duration ttl) {
    JsonObject body = new JsonObject();
    body.addProperty("Name", name);
    body.addProperty("TTL", ttl.toSeconds() + "s");
    body.addProperty("Behavior", "delete");
    body.addProperty("LockDelay", "0s");
    JsonArray checks = new JsonArray();
    checks.add("serfHealth");
    body.add("Checks", checks);
    HttpRequest req =
        request("/v1/session/create", body.toString().getBytes(StandardCharsets.UTF_8));
    HttpResponse r = call(Op.SESSION, "a session", () -> plain.makePutRequest(req));
    JsonElement id = JsonParser.parseString(r.getContent()).getAsJsonObject().get("ID");
    if (id == null || id.isJsonNull()) {
      throw KvexpressException.because(
          Reason.NOT_CONSUL,
          "what answers at " + address() + " created a session without an ID; is it Consul?");
    }
    return id.getAsString();
  }

  @Override
  public boolean renewSession(String id) {
    HttpRequest req = request("/v1/session/renew/" + id, new byte[0]);
    return call(Op.SESSION, "session " + id, () -> plain.makePutRequest(req)).getStatusCode()
        == 200;
  }

  @Override
  public void destroySession(String id) {
    HttpRequest req = request("/v1/session/destroy/" + id, new byte[0]);
    call(Op.SESSION, "session " + id, () -> plain.makePutRequest(req));
  }

  @Override
  public boolean acquire(String key, byte[] value, String session) {
    HttpRequest req = request(kv(key), value, "acquire=" + session);
    return "true".equals(call(Op.WRITE, key, () -> plain.makePutRequest(req)).getContent().strip());
  }

  @Override
  public NodeChecks nodeChecks(String node, long index, Duration wait) {
    String endpoint =
        "/v1/health/node/" + URLEncoder.encode(node, StandardCharsets.UTF_8).replace("+", "%20");
    HttpTransport client = index == 0 ? plain : blockingClient(wait);
    HttpRequest req =
        index == 0
            ? request(endpoint)
            : request(
                endpoint,
                "index=" + Long.toUnsignedString(index),
                "wait=" + wait.toMillis() + "ms");
    HttpResponse r = call(Op.HEALTH, "node " + node, () -> client.makeGetRequest(req), index == 0);
    List<HealthVerdict.Check> checks = new ArrayList<>();
    for (JsonElement e : asArray(JsonParser.parseString(r.getContent()))) {
      JsonObject o = e.getAsJsonObject();
      checks.add(
          new HealthVerdict.Check(
              text(o, "CheckID"),
              text(o, "Name"),
              text(o, "Status"),
              text(o, "Output"),
              text(o, "ServiceName")));
    }
    return new NodeChecks(checks, r.getConsulIndex());
  }

  private static String text(JsonObject o, String field) {
    JsonElement e = o.get(field);
    return e == null || e.isJsonNull() ? "" : e.getAsString();
  }

  @Override
  public void close() {
    closeQuietly(plainHttp);
    synchronized (this) {
      closeQuietly(blockingHttp);
    }
  }

  @Override
  public void abortWatches() {
    synchronized (this) {
      closeQuietly(blockingHttp);
      blockingHttp = null;
      blocking = null;
    }
  }

  private synchronized HttpTransport blockingClient(Duration wait) {
    Duration timeout = ConsulSettings.blockingReadTimeout(wait);
    if (blocking == null || timeout.compareTo(blockingTimeout) > 0) {
      closeQuietly(blockingHttp);
      blockingHttp = httpClient(timeout);
      blocking = traced(new DefaultHttpTransport(blockingHttp));
      blockingTimeout = timeout;
    }
    return blocking;
  }

  private HttpRequest request(String endpoint, String... params) {
    return request(endpoint, null, params);
  }

  /**
   * The KV endpoint of a key or prefix, each segment percent-encoded: names may hold what a URL
   * path cannot ({@code ?}, {@code #}, {@code %}, spaces, any letters); Consul decodes them back.
   */
  private static String kv(String key) {
    StringBuilder path = new StringBuilder("/v1/kv/");
    String[] segments = key.split("/", -1);
    for (int i = 0; i < segments.length; i++) {
      if (i > 0) {
        path.append('/');
      }
      path.append(URLEncoder.encode(segments[i], StandardCharsets.UTF_8).replace("+", "%20"));
    }
    return path.toString();
  }

  /**
   * A request to {@code endpoint} with query {@code params} ("name" or "name=value", nulls skipped;
   * values here are numbers, durations and validated names, so they need no escaping beyond ?dc=).
   */
  private HttpRequest request(String endpoint, byte[] body, String... params) {
    StringBuilder url = new StringBuilder(settings.address().baseUrl()).append(endpoint);
    char sep = '?';
    for (String p : params) {
      if (p != null) {
        url.append(sep).append(p);
        sep = '&';
      }
    }
    if (settings.datacenter() != null) {
      url.append(sep)
          .append("dc=")
          .append(URLEncoder.encode(settings.datacenter(), StandardCharsets.UTF_8));
    }
    HttpRequest.Builder b = HttpRequest.Builder.newBuilder().setUrl(url.toString());
    if (settings.token() != null) {
      b.addHeader("X-Consul-Token", settings.token().secret());
    }
    if (body != null) {
      b.setBinaryContent(body);
    }
    return b.build();
  }

  /**
   * What a request does, which decides the answer that proves Consul sent it and whether a try that
   * got no answer may have changed something: KV reads carry X-Consul-Index (404 included),
   * read-only transactions X-Consul-KnownLeader, writes a JSON body.
   */
  private enum Op {
    READ("read"),
    LIST("list"),
    TXN_READ("read"),
    WRITE("write"),
    TXN_WRITE("write"),
    /** A session's create, renew or destroy (session:write on this node). */
    SESSION("session:write"),
    /** A node's health checks (node:read and service:read). */
    HEALTH("node:read");

    /** The ACL permission's verb: key:read, key:list or key:write. */
    final String permission;

    Op(String permission) {
      this.permission = permission;
    }

    /** The permission's full name, as docs/acl.md gives it. */
    String acl() {
      return permission.contains(":") ? permission : "key:" + permission;
    }

    boolean writes() {
      return this == WRITE || this == TXN_WRITE;
    }
  }

  private HttpResponse call(Op op, String key, Supplier<HttpResponse> send) {
    return call(op, key, send, true);
  }

  /**
   * Sends a request ({@code retry}: again after transient failures, within the budget) and turns
   * every non-success answer into a message naming the cause. A write none of whose tries got an
   * answer fails as {@link Reason#UNCONFIRMED} when one of them may have reached Consul (anything
   * but a refused connection), since Consul may have applied it.
   */
  private HttpResponse call(Op op, String key, Supplier<HttpResponse> send, boolean retry) {
    boolean[] maybeSent = {false};
    Supplier<HttpResponse> once =
        () -> {
          HttpResponse r;
          try {
            r = send.get();
          } catch (TransportException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SSLException ssl) {
              throw KvexpressException.because(
                  Reason.TLS,
                  redact(TlsFailures.describe(ssl, settings.tls(), settings.address())));
            }
            // A reset (not a refused connection, which no TLS alert can explain) on HTTPS may be a
            // rejected client certificate; one probe tells.
            if (cause instanceof SocketException
                && !(cause instanceof ConnectException)
                && settings.address().https()) {
              String rejected =
                  TlsFailures.probeAfterReset(sslContext(), settings.tls(), settings.address());
              if (rejected != null) {
                throw KvexpressException.because(Reason.TLS, redact(rejected));
              }
            }
            // A TLS handshake with a plain-HTTP server waits for an answer that never comes.
            if ((cause instanceof ConnectTimeoutException
                    || cause instanceof SocketTimeoutException)
                && settings.address().https()
                && TlsFailures.servesPlainHttp(settings.address())) {
              throw KvexpressException.because(
                  Reason.TLS, TlsFailures.plainHttp(settings.address()));
            }
            maybeSent[0] |=
                !(cause instanceof ConnectException
                    || cause instanceof ConnectTimeoutException
                    || cause instanceof UnknownHostException);
            throw new Retrier.TransientException(describe(cause));
          }
          int status = r.getStatusCode();
          if (status == 200 || status == 404 || status == 409) {
            // Consul answers 404 only to KV reads of a missing key; to anything else it is another
            // server's page.
            requireConsul(op, key, r);
            return r;
          }
          String body = firstLine(r.getContent());
          if (status == 403) {
            String what =
                body.contains("ACL not found")
                    ? "the ACL token was not found; check -t/--token, --token-file or CONSUL_HTTP_TOKEN(_FILE)"
                    : "the ACL token lacks " + op.acl() + " (" + body + "); see docs/acl.md";
            throw KvexpressException.because(
                Reason.ACL_DENIED, "Consul denied " + op.acl() + " on " + key + ": " + what);
          }
          if (status == 413) {
            throw KvexpressException.because(
                Reason.TOO_LARGE, "Consul refused " + key + " as too large: " + body);
          }
          if (status == 500 && body.contains("No path to datacenter")) {
            throw KvexpressException.because(
                Reason.CONSUL_ERROR,
                "Consul at "
                    + address()
                    + " knows no datacenter \""
                    + settings.datacenter()
                    + "\"; check --datacenter");
          }
          if (status >= 500 || status == 429) {
            // A 500 may come after Consul accepted the write (a leader lost before answering); 429
            // never does.
            maybeSent[0] |= status >= 500;
            throw new Retrier.TransientException(
                "HTTP " + status + (body.isEmpty() ? "" : " " + body));
          }
          throw KvexpressException.because(
              Reason.CONSUL_ERROR,
              "Consul at "
                  + address()
                  + " answered HTTP "
                  + status
                  + " to "
                  + op.permission
                  + " "
                  + key
                  + (body.isEmpty() ? "" : ": " + body));
        };
    Retrier.GiveUp giveUp =
        (cause, attempts, elapsed) -> {
          String tries =
              String.format(
                  "%d attempts in %s s",
                  attempts,
                  elapsed.toMillis() < 10_000
                      ? String.format("%.1f", elapsed.toMillis() / 1000.0)
                      : elapsed.toSeconds());
          if (op.writes() && maybeSent[0]) {
            return KvexpressException.because(
                Reason.UNCONFIRMED,
                String.format(
                    "no answer from Consul at %s to the "
                        + "write of %s (%s; %s): it may or may not have been applied",
                    address(), key, cause, tries));
          }
          return KvexpressException.because(
              Reason.UNREACHABLE,
              String.format("cannot reach Consul at %s: %s (%s)", address(), cause, tries));
        };
    if (!retry) {
      try {
        return once.get();
      } catch (Retrier.TransientException e) {
        throw giveUp.after(e.getMessage(), 1, Duration.ZERO);
      }
    }
    return retrier.run(once, giveUp);
  }

  /**
   * Fails unless the answer came from Consul: every KV read answer (404 included) carries
   * X-Consul-Index, a read-only transaction's X-Consul-KnownLeader, and a write's body is Consul's
   * JSON. Another HTTP server at a mistyped address must never read as an empty Consul ("not
   * stopped", "not locked", "nothing published").
   */
  private void requireConsul(Op op, String key, HttpResponse r) {
    boolean consul =
        switch (op) {
          case READ, LIST -> r.getConsulIndex() != null;
          case TXN_READ -> r.getStatusCode() != 404 && r.isConsulKnownLeader() != null;
          case WRITE ->
              r.getStatusCode() == 200
                  && ("true".equals(r.getContent().strip())
                      || "false".equals(r.getContent().strip()));
          case TXN_WRITE -> r.getStatusCode() != 404 && isTxnAnswer(r.getContent());
          // Consul answers 404 here to a renew of a session it no longer knows.
          case SESSION ->
              r.getStatusCode() == 200
                  ? isJson(r.getContent())
                  : r.getContent() != null && r.getContent().contains("not found");
          case HEALTH -> r.getStatusCode() == 200 && r.getConsulIndex() != null;
        };
    if (!consul && (op == Op.SESSION || op == Op.HEALTH) && r.getStatusCode() == 404) {
      throw KvexpressException.because(
          Reason.CONSUL_ERROR,
          "what answers at "
              + address()
              + " offers no "
              + (op == Op.SESSION ? "sessions" : "health checks")
              + " (the kvexpress dev agent has neither); --reload-slots and --health-service "
              + "need a Consul agent");
    }
    if (!consul) {
      String body = firstLine(r.getContent());
      throw KvexpressException.because(
          Reason.NOT_CONSUL,
          "what answers at "
              + address()
              + " is not a Consul agent: "
              + "it answered HTTP "
              + r.getStatusCode()
              + " to "
              + op.permission
              + " "
              + key
              + " without "
              + (op == Op.TXN_WRITE || op == Op.WRITE ? "Consul's answer" : "Consul's headers")
              + (body.isEmpty()
                  ? ""
                  : " (" + (body.length() > 80 ? body.substring(0, 80) + "…" : body) + ")")
              + "; check -s/--server and CONSUL_HTTP_ADDR");
    }
  }

  private static boolean isJson(String content) {
    try {
      JsonParser.parseString(content);
      return content != null && !content.isBlank();
    } catch (JsonParseException e) {
      return false;
    }
  }

  private static boolean isTxnAnswer(String content) {
    try {
      JsonElement e = JsonParser.parseString(content);
      return e.isJsonObject()
          && (e.getAsJsonObject().has("Results") || e.getAsJsonObject().has("Errors"));
    } catch (JsonParseException e) {
      return false;
    }
  }

  /** A transaction's answer, which {@link #requireConsul} has proven to be Consul's JSON. */
  private JsonObject txnAnswer(HttpResponse r) {
    JsonElement e = JsonParser.parseString(r.getContent());
    if (!e.isJsonObject()) {
      throw KvexpressException.because(
          Reason.NOT_CONSUL,
          "what answers at "
              + address()
              + " is not a Consul agent: "
              + "its answer to a transaction is not Consul's JSON; check -s/--server and CONSUL_HTTP_ADDR");
    }
    return e.getAsJsonObject();
  }

  /**
   * Why kvexpress checks that {@code key} is absent, for the ACL hint (Consul checks it as a
   * write).
   */
  private static String guardPurpose(String key) {
    String use;
    if (key.endsWith("/stop") || key.endsWith("/stop/until")) {
      use = "so nothing is published over a stop key";
    } else if (key.endsWith("/data") || key.endsWith("/last")) {
      use = "so a first publish cannot overwrite one that landed meanwhile";
    } else {
      use = "to write only while the key is still absent";
    }
    return "Consul authorises this guard as a write; kvexpress uses it " + use;
  }

  /**
   * Names the denied op, its key and the permission it needs, which Consul 1.8 leaves out of its
   * text.
   */
  private String denial(TxnOp op, String what) {
    if (what.contains("ACL not found")) {
      return "Consul denied the transaction: the ACL token was not found; check -t/--token, --token-file or "
          + "CONSUL_HTTP_TOKEN(_FILE)";
    }
    String why = op.verb().equals("check-not-exists") ? " (" + guardPurpose(op.key()) + ")" : "";
    return "Consul denied "
        + op.verb()
        + " of "
        + op.key()
        + ": the ACL token lacks "
        + op.permission()
        + " on it"
        + why
        + " ("
        + redact(what)
        + "); see docs/acl.md";
  }

  private String redact(String text) {
    if (text == null) {
      return "";
    }
    return settings.token() == null ? text : text.replace(settings.token().secret(), "<redacted>");
  }

  private String firstLine(String body) {
    if (body == null) {
      return "";
    }
    String line = body.strip();
    int nl = line.indexOf('\n');
    line = nl < 0 ? line : line.substring(0, nl);
    return redact(line.length() > 300 ? line.substring(0, 300) + "…" : line);
  }

  private static String describe(Throwable cause) {
    if (cause instanceof ConnectException) {
      return "connection refused";
    }
    if (cause instanceof ConnectTimeoutException) {
      return "connect timed out";
    }
    if (cause instanceof SocketTimeoutException) {
      return "timed out";
    }
    if (cause instanceof NoHttpResponseException) {
      return "connection closed without a response";
    }
    if (cause instanceof UnknownHostException) {
      return "unknown host";
    }
    if (cause instanceof SocketException) {
      return "connection reset";
    }
    return Problems.describe(cause);
  }

  private static KvListing listing(HttpResponse r) {
    long index = r.getConsulIndex() == null ? 0 : r.getConsulIndex();
    if (r.getStatusCode() == 404) {
      return new KvListing(List.of(), index);
    }
    return new KvListing(parseEntries(r.getContent()), index);
  }

  static List<KvEntry> parseEntries(String json) {
    List<KvEntry> out = new ArrayList<>();
    for (JsonElement e : asArray(JsonParser.parseString(json))) {
      out.add(entry(e.getAsJsonObject()));
    }
    return out;
  }

  private static KvEntry entry(JsonObject o) {
    JsonElement v = o.get("Value");
    byte[] value =
        v == null || v.isJsonNull() ? new byte[0] : Base64.getDecoder().decode(v.getAsString());
    return new KvEntry(
        o.get("Key").getAsString(),
        value,
        unsigned(o.get("Flags")),
        unsigned(o.get("CreateIndex")),
        unsigned(o.get("ModifyIndex")));
  }

  private static long unsigned(JsonElement e) {
    return e == null || e.isJsonNull() ? 0 : Long.parseUnsignedLong(e.getAsString());
  }

  private static JsonArray asArray(JsonElement e) {
    return e == null || !e.isJsonArray() ? new JsonArray() : e.getAsJsonArray();
  }

  private CloseableHttpClient httpClient(Duration readTimeout) {
    RequestConfig config =
        RequestConfig.custom()
            .setConnectTimeout((int) ConsulSettings.CONNECT_TIMEOUT.toMillis())
            .setConnectionRequestTimeout((int) ConsulSettings.CONNECT_TIMEOUT.toMillis())
            .setSocketTimeout((int) readTimeout.toMillis())
            .build();
    HttpClientBuilder b =
        HttpClientBuilder.create()
            .setDefaultRequestConfig(config)
            .disableAutomaticRetries()
            .disableRedirectHandling() // Consul's KV API never redirects; one fewer step per
            // request No Accept-Encoding: gzip. Large values are already gzip-compressed by `in
            // -z`, and compressing every answer again costs the Consul servers CPU on each of a
            // thousand nodes' reads.
            .disableContentCompression()
            .disableCookieManagement()
            .disableAuthCaching()
            // Otherwise build() parses the bundled public suffix list (~13,000 lines) on every
            // start. It only serves cookies and wildcard certificates for public domains; neither
            // applies to a Consul agent.
            .setPublicSuffixMatcher(new PublicSuffixMatcher(List.of(), List.of()))
            // A fixed User-Agent: the default one is built by reading httpclient's
            // version.properties out of
            // the jar and formatting it, on every start.
            .setUserAgent("kvexpress");
    // Register only the scheme in use: the default registry sets up TLS (JSSE, the trust store)
    // even for plain http, which costs a watch handler tens of milliseconds on every start.
    RegistryBuilder<ConnectionSocketFactory> schemes = RegistryBuilder.create();
    if (settings.address().https()) {
      schemes.register("https", sslFactory(settings.tls()));
    } else {
      schemes.register("http", PlainConnectionSocketFactory.getSocketFactory());
    }
    PoolingHttpClientConnectionManager pool =
        new PoolingHttpClientConnectionManager(schemes.build());
    pool.setMaxTotal(8);
    pool.setDefaultMaxPerRoute(8);
    return b.setConnectionManager(pool).build();
  }

  /** Built once: both HTTP clients (plain and blocking) and the reset probe share it. */
  private synchronized SSLContext sslContext() {
    if (sslContext == null) {
      sslContext = PemTls.context(settings.tls());
    }
    return sslContext;
  }

  private SSLConnectionSocketFactory sslFactory(TlsSettings tls) {
    HostnameVerifier verifier;
    if (!tls.verify()) {
      verifier = NoopHostnameVerifier.INSTANCE;
    } else if (tls.serverName() != null) {
      DefaultHostnameVerifier standard = new DefaultHostnameVerifier();
      verifier = (host, session) -> standard.verify(tls.serverName(), session);
    } else {
      verifier = new DefaultHostnameVerifier();
    }
    return new SSLConnectionSocketFactory(sslContext(), verifier) {
      @Override
      protected void prepareSocket(SSLSocket socket) {
        if (tls.serverName() != null) {
          SSLParameters p = socket.getSSLParameters();
          p.setServerNames(List.of(new SNIHostName(tls.serverName())));
          socket.setSSLParameters(p);
        }
      }
    };
  }

  private static void closeQuietly(CloseableHttpClient c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (IOException ignored) {
      // nothing useful to do when closing a client fails
    }
  }
}
