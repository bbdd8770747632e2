package org.kvexpress.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.zip.GZIPOutputStream;
import javax.net.ssl.SSLContext;
import org.apache.commons.io.IOUtils;
import org.apache.commons.io.input.BoundedInputStream;

/**
 * An in-memory, Consul-compatible HTTP agent for laptops, demos, examples and tests. It is not
 * Consul and not for production: one node, no Raft, no sessions, one management ACL token. What it
 * does implement follows Consul's HTTP API on the wire, as DifferentialIT checks against real
 * Consul (docs/dev-agent.md).
 *
 * <p>Modelled on okhttp's MockWebServer: {@link #start()} binds (port 0 picks a free port), {@link
 * #url()} gives the address, requests are recorded, and faults can be injected into chosen
 * requests. Blocking queries are parked rather than holding a thread, so thousands can wait at
 * once.
 */
public final class DevAgent implements AutoCloseable {
  public static final long DEFAULT_MAX_VALUE_SIZE = 524_288;
  public static final String DATACENTER = "dc1";
  public static final String VERSION = "1.22.0";
  private static final int RECORD_LIMIT = 10_000;
  private static final int GZIP_MIN_SIZE = 1400;
  private static final long MAX_DRAINED_BYTES = 64L << 20;

  /** How an agent is set up; defaults mirror a Consul dev agent. */
  public record Config(
      String host,
      int port,
      String aclToken,
      long maxValueSize,
      long maxTxnBytes,
      double failRate,
      boolean verbose,
      PrintStream log,
      Clock clock,
      Duration tombstoneTtl,
      SSLContext tls,
      int recordLimit) {

    public static Config defaults() {
      return new Config(
          "127.0.0.1",
          0,
          null,
          DEFAULT_MAX_VALUE_SIZE,
          DEFAULT_MAX_VALUE_SIZE,
          0,
          false,
          System.err,
          Clock.systemUTC(),
          Duration.ofMinutes(15),
          null,
          RECORD_LIMIT);
    }

    public Config withPort(String h, int p) {
      return edit(
          b -> {
            b.host = h;
            b.port = p;
          });
    }

    public Config withAclToken(String t) {
      return edit(b -> b.aclToken = t);
    }

    public Config withMaxValueSize(long m) {
      return edit(b -> b.maxValueSize = m);
    }

    public Config withFailRate(double f) {
      return edit(b -> b.failRate = f);
    }

    public Config withVerbose(boolean v, PrintStream out) {
      return edit(
          b -> {
            b.verbose = v;
            b.log = out;
          });
    }

    /**
     * Keeps the newest {@code limit} requests for tests (0: none, as a long-running agent must).
     */
    public Config withRecordLimit(int limit) {
      return edit(b -> b.recordLimit = limit);
    }

    /** Serves HTTPS with this context instead of plain HTTP. */
    public Config withTls(SSLContext context) {
      return edit(b -> b.tls = context);
    }

    /** This config with {@code change} made to a copy of its fields: what every wither is. */
    private Config edit(Consumer<Fields> change) {
      Fields f = new Fields(this);
      change.accept(f);
      return f.build();
    }

    /** The fields of a config being edited. */
    private static final class Fields {
      String host;
      int port;
      String aclToken;
      long maxValueSize;
      long maxTxnBytes;
      double failRate;
      boolean verbose;
      PrintStream log;
      Clock clock;
      Duration tombstoneTtl;
      SSLContext tls;
      int recordLimit;

      Fields(Config c) {
        host = c.host;
        port = c.port;
        aclToken = c.aclToken;
        maxValueSize = c.maxValueSize;
        maxTxnBytes = c.maxTxnBytes;
        failRate = c.failRate;
        verbose = c.verbose;
        log = c.log;
        clock = c.clock;
        tombstoneTtl = c.tombstoneTtl;
        tls = c.tls;
        recordLimit = c.recordLimit;
      }

      Config build() {
        return new Config(
            host,
            port,
            aclToken,
            maxValueSize,
            maxTxnBytes,
            failRate,
            verbose,
            log,
            clock,
            tombstoneTtl,
            tls,
            recordLimit);
      }
    }
  }

  private final Config config;
  private final Acl acl;
  private final KvState state;
  private final FaultPlan faults;
  private final AtomicLong sequence = new AtomicLong();
  private HttpServer server;
  private ExecutorService executor;
  private ScheduledExecutorService scheduler;
  private KvEndpoint kv;
  private TxnEndpoint txn;

  public DevAgent() {
    this(Config.defaults());
  }

  public DevAgent(Config config) {
    this.config = config;
    this.acl = new Acl(config.aclToken());
    this.state = new KvState(config.clock(), config.tombstoneTtl());
    this.faults = new FaultPlan(config.recordLimit(), config.failRate());
  }

  /**
   * Sets what the JDK's HTTP server reads once per process, before its first server: TCP_NODELAY,
   * as Go servers (Consul) set it. Without it the JDK server's separate header and body writes meet
   * the client's delayed ACK and every answer waits about 40 ms. Process-wide, so only a program
   * that owns its process calls it (the {@code dev-agent} command, the start-up training); the test
   * JVM sets the property on its command line.
   */
  public static void serveWithoutDelay() {
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  /** Binds and starts serving; port 0 in the config picks a free port. */
  public DevAgent start() throws IOException {
    executor = Executors.newFixedThreadPool(8, daemon("kvexpress-agent"));
    scheduler = Executors.newSingleThreadScheduledExecutor(daemon("kvexpress-agent-timer"));
    kv = new KvEndpoint(state, config.maxValueSize(), executor, scheduler);
    txn = new TxnEndpoint(state, config.maxValueSize(), config.maxTxnBytes());
    InetSocketAddress bind = new InetSocketAddress(config.host(), config.port());
    if (config.tls() != null) {
      HttpsServer https = HttpsServer.create(bind, 1024);
      https.setHttpsConfigurator(new HttpsConfigurator(config.tls()));
      server = https;
    } else {
      server = HttpServer.create(bind, 1024);
    }
    server.setExecutor(executor);
    server.createContext("/", this::dispatch);
    server.start();
    return this;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** host:port, the form CONSUL_HTTP_ADDR and -s take. */
  public String address() {
    return config.host() + ":" + port();
  }

  public String url(String path) {
    return (config.tls() != null ? "https://" : "http://") + address() + path;
  }

  public String url() {
    return url("");
  }

  @Override
  public void close() {
    if (server != null) {
      server.stop(0);
      executor.shutdownNow();
      scheduler.shutdownNow();
      server = null;
    }
  }

  // ---- recording and faults ----

  /**
   * The requests received so far, oldest first (at most the last 10,000; none in the dev-agent
   * command).
   */
  public List<RecordedRequest> requests() {
    return faults.requests();
  }

  public int requestCount() {
    return faults.requestCount();
  }

  public void clearRequests() {
    faults.clearRequests();
  }

  /**
   * How many blocking queries are parked now: a test that must write only once its query waits
   * awaits this instead of sleeping.
   */
  public int blockedQueries() {
    return state.listenerCount();
  }

  /** Injects {@code fault} into the next request. */
  public void failNext(Fault fault) {
    failWhen(r -> true, fault, 1);
  }

  /** Injects {@code fault} into the next {@code times} requests that match. */
  public void failWhen(Predicate<RecordedRequest> when, Fault fault, int times) {
    faults.failWhen(when, fault, times);
  }

  /** {@link FaultPlan#failWhen(Predicate, Fault, int, Runnable)}. */
  public void failWhen(
      Predicate<RecordedRequest> when, Fault fault, int times, Runnable meanwhile) {
    faults.failWhen(when, fault, times, meanwhile);
  }

  /** Fails this fraction of all requests, half with 500 and half by dropping the connection. */
  public void setFailRate(double rate) {
    faults.setFailRate(rate);
  }

  // ---- HTTP ----

  private void dispatch(HttpExchange ex) {
    long started = System.nanoTime();
    RecordedRequest req;
    boolean overflow;
    try {
      long limit = Math.max(config.maxValueSize(), config.maxTxnBytes());
      byte[] body = readBody(ex.getRequestBody(), limit + 1);
      overflow = body.length > limit;
      if (overflow) {
        // Read the rest, so the client gets the 413 rather than a reset while it is still sending.
        IOUtils.skip(ex.getRequestBody(), MAX_DRAINED_BYTES);
      }
      req =
          new RecordedRequest(
              sequence.incrementAndGet(),
              ex.getRequestMethod(),
              ex.getRequestURI().getPath(),
              ex.getRequestURI().getRawQuery(),
              RecordedRequest.headersOf(ex.getRequestHeaders()),
              body);
    } catch (IOException | RuntimeException e) {
      ex.close();
      return;
    }
    FaultPlan.Injected injected = faults.admit(req);
    Fault fault = injected.fault();
    if (fault == Fault.DELAY) {
      try {
        Thread.sleep(Fault.DELAY_TIME.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        ex.close();
        return;
      }
    }
    if (fault == Fault.HTTP_500) {
      send(ex, req, Reply.text(500, "injected fault (kvexpress dev agent)"), started);
      return;
    }
    if (fault == Fault.DROP) {
      log(req, "dropped", started);
      ex.close();
      return;
    }
    boolean dropAfter = fault == Fault.DROP_AFTER_APPLY;
    String contentLength = ex.getRequestHeaders().getFirst("Content-Length");
    try {
      Reply reply =
          route(
              ex,
              req,
              overflow,
              contentLength == null ? -1 : Long.parseLong(contentLength),
              r -> finish(ex, req, r, started, dropAfter, injected.meanwhile()));
      if (reply != null) {
        finish(ex, req, reply, started, dropAfter, injected.meanwhile());
      }
    } catch (RuntimeException e) {
      finish(ex, req, Reply.text(500, "internal error: " + e), started, false, null);
    }
  }

  private void finish(
      HttpExchange ex,
      RecordedRequest req,
      Reply reply,
      long started,
      boolean drop,
      Runnable meanwhile) {
    if (drop) {
      if (meanwhile != null) {
        meanwhile.run();
      }
      log(req, "dropped-after-apply", started);
      ex.close();
    } else {
      send(ex, req, reply, started);
    }
  }

  private Reply route(
      HttpExchange ex,
      RecordedRequest req,
      boolean overflow,
      long contentLength,
      Consumer<Reply> later) {
    String rawPath = ex.getRequestURI().getRawPath();
    String cleaned = cleanPath(rawPath);
    if (!cleaned.equals(rawPath)) {
      return Reply.text(301, "").header("Location", cleaned);
    }
    if (rawPath.equals("/v1/kv")) {
      return Reply.text(301, "").header("Location", "/v1/kv/");
    }
    String path = req.path();
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return Reply.text(400, "Invalid URL path: contains unprintable characters");
      }
    }
    Map<String, String> query = req.query();
    String method = req.method();
    if (path.startsWith("/v1/kv/")) {
      Reply bad = checkMethod(method, "OPTIONS,GET,PUT,DELETE");
      return bad != null
          ? bad
          : common(
              req,
              query,
              overflow,
              contentLength,
              later,
              call -> kv.handle(call, path.substring("/v1/kv/".length())));
    }
    if (path.equals("/v1/txn")) {
      Reply bad = checkMethod(method, "OPTIONS,PUT");
      return bad != null ? bad : common(req, query, overflow, contentLength, later, txn::handle);
    }
    if (path.equals("/v1/status/leader")) {
      Reply bad = checkMethod(method, "OPTIONS,GET");
      return bad != null ? bad : Reply.json(200, "127.0.0.1:8300", query.containsKey("pretty"));
    }
    if (path.equals("/v1/agent/self")) {
      Reply bad = checkMethod(method, "OPTIONS,GET");
      return bad != null
          ? bad
          : common(req, query, overflow, contentLength, later, this::agentSelf);
    }
    return Reply.text(404, "404 page not found\n");
  }

  private interface Endpoint {
    Reply handle(Call call);
  }

  /**
   * The checks every /v1 data endpoint shares (Consul's HTTP API conventions; Consul's KV read API;
   * Consul's ACL rules), then the endpoint itself.
   */
  private Reply common(
      RecordedRequest req,
      Map<String, String> query,
      boolean overflow,
      long contentLength,
      Consumer<Reply> later,
      Endpoint endpoint) {
    if (nonEmpty(query.get("ns")) || nonEmpty(req.header("X-Consul-Namespace"))) {
      return Reply.text(
          400, "Invalid query parameter: \"ns\" - Namespaces are a Consul Enterprise feature");
    }
    if (nonEmpty(query.get("partition")) || nonEmpty(req.header("X-Consul-Partition"))) {
      return Reply.text(
          400,
          "Invalid query parameter: \"partition\" - Partitions are a Consul Enterprise feature");
    }
    if (query.containsKey("stale") && query.containsKey("consistent")) {
      return Reply.text(400, "Cannot specify ?stale with ?consistent, conflicting semantics.");
    }
    String dc = query.containsKey("datacenter") ? query.get("datacenter") : query.get("dc");
    if (nonEmpty(dc) && !dc.equals(DATACENTER)) {
      return Reply.text(500, "No path to datacenter");
    }
    if (query.containsKey("token")) {
      warn(
          "request "
              + req.method()
              + " "
              + req.path()
              + " carries ?token=, which Consul deprecates and proxies log; send the X-Consul-Token header instead");
    }
    String identity = acl.resolve(token(req, query));
    if (identity.equals("not-found")) {
      return Reply.text(403, "ACL not found");
    }
    return endpoint.handle(
        new Call(
            req, query, identity, query.containsKey("pretty"), contentLength, overflow, later));
  }

  private Reply agentSelf(Call call) {
    if (call.anonymous()) {
      return Reply.text(403, Acl.deniedText("agent:read", "kvexpress-dev"));
    }
    Map<String, Object> cfg = new LinkedHashMap<>();
    cfg.put("Datacenter", DATACENTER);
    cfg.put("NodeName", "kvexpress-dev");
    cfg.put("NodeID", "00000000-0000-0000-0000-000000000001");
    cfg.put("Server", true);
    cfg.put("Revision", "kvexpress-dev-agent");
    cfg.put("Version", VERSION);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("Config", cfg);
    body.put("DebugConfig", Map.of());
    body.put("Coord", null);
    body.put("Member", Map.of("Name", "kvexpress-dev", "Addr", config.host(), "Port", 8301));
    body.put("Stats", Map.of());
    body.put("Meta", Map.of("kvexpress-dev-agent", "true"));
    return Reply.json(200, body, call.pretty());
  }

  private static Reply checkMethod(String method, String allow) {
    if (method.equals("OPTIONS")) {
      return Reply.empty(200).header("Allow", allow);
    }
    for (String m : allow.split(",")) {
      if (m.equals(method)) {
        return null;
      }
    }
    return Reply.text(405, "method " + method + " not allowed").header("Allow", allow);
  }

  /** Token precedence: ?token= > X-Consul-Token > Authorization: Bearer (Consul's ACL rules). */
  private static String token(RecordedRequest req, Map<String, String> query) {
    if (nonEmpty(query.get("token"))) {
      return query.get("token");
    }
    if (nonEmpty(req.header("X-Consul-Token"))) {
      return req.header("X-Consul-Token");
    }
    String auth = req.header("Authorization");
    if (auth != null) {
      String[] parts = auth.trim().split("\\s+");
      if (parts.length >= 2 && parts[0].equalsIgnoreCase("Bearer")) {
        return parts[1];
      }
    }
    return null;
  }

  /** Go's ServeMux redirects paths that path.Clean would change (keeping a trailing slash). */
  static String cleanPath(String p) {
    if (!p.contains("//")
        && !p.contains("/./")
        && !p.contains("/../")
        && !p.endsWith("/.")
        && !p.endsWith("/..")) {
      return p;
    }
    Deque<String> out = new ArrayDeque<>();
    for (String seg : p.split("/")) {
      if (seg.isEmpty() || seg.equals(".")) {
        continue;
      }
      if (seg.equals("..")) {
        out.pollLast();
      } else {
        out.addLast(seg);
      }
    }
    String cleaned = "/" + String.join("/", out);
    if (p.endsWith("/") && !cleaned.endsWith("/")) {
      cleaned += "/";
    }
    return cleaned;
  }

  private void send(HttpExchange ex, RecordedRequest req, Reply reply, long started) {
    try {
      var h = ex.getResponseHeaders();
      reply.headers.forEach(h::set);
      h.set("X-Consul-Default-Acl-Policy", acl.enabled() ? "deny" : "allow");
      h.set("Vary", "Accept-Encoding");
      byte[] body = reply.body;
      String accept = req.header("Accept-Encoding");
      if (body != null
          && body.length >= GZIP_MIN_SIZE
          && accept != null
          && accept.contains("gzip")) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(buf)) {
          gz.write(body);
        }
        body = buf.toByteArray();
        h.set("Content-Encoding", "gzip");
      }
      long length = body == null || body.length == 0 ? -1 : body.length;
      ex.sendResponseHeaders(reply.status, length);
      if (length > 0) {
        try (OutputStream os = ex.getResponseBody()) {
          os.write(body);
        }
      }
      log(req, String.valueOf(reply.status), started);
    } catch (IOException e) {
      log(req, "client-gone", started);
    } finally {
      ex.close();
    }
  }

  private void log(RecordedRequest req, String outcome, long started) {
    if (config.verbose()) {
      long ms = (System.nanoTime() - started) / 1_000_000;
      config
          .log()
          .printf(
              "[INFO] (agent) method=%s path=%s query=%s status=%s ms=%d%n",
              req.method(), req.path(), redactQuery(req.rawQuery()), outcome, ms);
    }
  }

  private void warn(String message) {
    config.log().println("[WARN] (agent) " + message);
  }

  /** The raw query with any token value replaced, so the agent's own log never shows a token. */
  static String redactQuery(String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return "-";
    }
    return rawQuery.replaceAll("(^|&)token=[^&]*", "$1token=<redacted>");
  }

  private static boolean nonEmpty(String s) {
    return s != null && !s.isEmpty();
  }

  /**
   * At most {@code cap} bytes of the body (the caller tells an overflow by getting all {@code
   * cap}).
   */
  private static byte[] readBody(InputStream in, long cap) throws IOException {
    return IOUtils.toByteArray(
        BoundedInputStream.builder()
            .setInputStream(in)
            .setMaxCount(cap)
            .setPropagateClose(false)
            .get());
  }

  private static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * Waits for the agent's threads after {@link #close()}; for tests that check nothing is left
   * running.
   */
  public boolean awaitTermination(Duration d) throws InterruptedException {
    return executor == null || executor.awaitTermination(d.toMillis(), TimeUnit.MILLISECONDS);
  }
}
