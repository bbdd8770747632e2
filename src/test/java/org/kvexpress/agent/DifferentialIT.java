package org.kvexpress.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.kvexpress.testing.Await;
import org.kvexpress.testing.Backend;
import org.kvexpress.testing.ConsulBackend;
import org.kvexpress.testing.ConsulBinary;
import org.kvexpress.testing.Http;

/**
 * The dev agent answers like Consul: the same requests go to a real Consul agent and to the dev
 * agent, and the answers are compared after normalising what legitimately differs (index numbers
 * become the order in which each side first showed them, so "rose", "unchanged" and "equal to
 * ModifyIndex" are compared, not values; JSON is compared as values). Every request shape kvexpress
 * sends is here, with ACL denials, txn failures and limits, blocking queries and key edge cases.
 *
 * <p>Where the dev agent deliberately follows a newer Consul than 1.8.7, {@link #newerConsul} names
 * it and the comparison drops only that detail.
 */
@Tag("real-consul-only")
class DifferentialIT {
  private static final String TOKEN = "d1ff0000-0000-4000-8000-00000000d1ff";
  private static final String UNKNOWN_TOKEN = "d1ff0000-0000-4000-8000-0000000bad00";
  private Backend consul;
  private DevAgent dev;

  @BeforeEach
  void start() throws IOException {
    consul = ConsulBackend.start(new Backend.Acl(TOKEN));
    dev = new DevAgent(DevAgent.Config.defaults().withAclToken(TOKEN)).start();
  }

  @AfterEach
  void stop() {
    consul.close();
    dev.close();
  }

  /** Who sends a request. */
  enum Auth {
    MANAGEMENT,
    ANONYMOUS,
    UNKNOWN
  }

  /**
   * One request; {@code {M:key}} in the path or body stands for that side's last seen ModifyIndex
   * of key.
   */
  record Step(String name, String method, String path, String body, Auth auth) {}

  private static Step get(String path) {
    return new Step("GET " + path, "GET", path, null, Auth.MANAGEMENT);
  }

  private static Step put(String path, String body) {
    return new Step("PUT " + path, "PUT", path, body, Auth.MANAGEMENT);
  }

  private static Step delete(String path) {
    return new Step("DELETE " + path, "DELETE", path, null, Auth.MANAGEMENT);
  }

  private static Step txn(String name, String body) {
    return new Step("txn " + name, "PUT", "/v1/txn", body, Auth.MANAGEMENT);
  }

  private static Step as(Auth auth, Step s) {
    return new Step(s.name() + " as " + auth, s.method(), s.path(), s.body(), auth);
  }

  private static String op(String verb, String key) {
    return "{\"KV\": {\"Verb\": \"" + verb + "\", \"Key\": \"" + key + "\"}}";
  }

  private static String set(String key, String value, int flags) {
    return "{\"KV\": {\"Verb\": \"set\", \"Key\": \""
        + key
        + "\", \"Value\": \""
        + Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))
        + "\", \"Flags\": "
        + flags
        + "}}";
  }

  private static String indexed(String verb, String key) {
    return "{\"KV\": {\"Verb\": \""
        + verb
        + "\", \"Key\": \""
        + key
        + "\", \"Index\": {M:"
        + key
        + "}}}";
  }

  private static String ops(String... ops) {
    return "[" + String.join(", ", ops) + "]";
  }

  /**
   * What kvexpress itself sends, in the order a publish, an apply and the operator commands send
   * it.
   */
  private static List<Step> kvexpressShapes() {
    return List.of(
        get("/v1/kv/kvexpress/hosts/?recurse"),
        txn(
            "publish (check-not-exists stop, set data/checksum/meta)",
            ops(
                op("check-not-exists", "kvexpress/hosts/stop"),
                set("kvexpress/hosts/data", "a\nb\n", 0),
                set("kvexpress/hosts/checksum", "c1", 0),
                set("kvexpress/hosts/meta", "{}", 0))),
        get("/v1/kv/kvexpress/hosts/?recurse"),
        get("/v1/kv/kvexpress/hosts/data"),
        get("/v1/kv/kvexpress/hosts/checksum?raw"),
        txn(
            "fetch for out (get-tree of exact keys, some missing)",
            ops(
                op("get-tree", "kvexpress/hosts/data"),
                op("get-tree", "kvexpress/hosts/checksum"),
                op("get-tree", "kvexpress/hosts/stop"),
                op("get-tree", "kvexpress/locks/abc/node-1"))),
        txn(
            "second publish guarded by check-index",
            ops(
                indexed("check-index", "kvexpress/hosts/data"),
                op("check-not-exists", "kvexpress/hosts/stop"),
                set("kvexpress/hosts/last", "a\nb\n", 0),
                set("kvexpress/hosts/data", "a\nb\nc\n", 2),
                set("kvexpress/hosts/checksum", "c2", 0))),
        txn(
            "stale check-index fails and rolls back",
            ops(op("check-index", "kvexpress/hosts/data"), set("kvexpress/hosts/data", "x\n", 0))),
        txn(
            "check-not-exists on an existing key fails",
            ops(op("check-not-exists", "kvexpress/hosts/data"), set("kvexpress/hosts/x", "y", 0))),
        get("/v1/kv/kvexpress/hosts/data"),
        put("/v1/kv/kvexpress/hosts/stop?flags=0", "bad deploy"),
        txn(
            "publish refused by the stop key",
            ops(
                op("check-not-exists", "kvexpress/hosts/stop"),
                set("kvexpress/hosts/data", "z\n", 0))),
        delete("/v1/kv/kvexpress/hosts/stop"),
        delete("/v1/kv/kvexpress/hosts/stop"),
        put("/v1/kv/kvexpress/locks/abc/node-1", "debugging"),
        get("/v1/kv/kvexpress/?keys&separator=/"),
        get("/v1/kv/kvexpress/locks/?recurse"),
        delete("/v1/kv/kvexpress/locks/abc/node-1"),
        put("/v1/kv/kvexpress/hosts/nodes/node-1?flags=0", "{\"checksum\":\"c2\"}"),
        get("/v1/kv/kvexpress/hosts/checksum?index={M:kvexpress/hosts/checksum}&wait=1s"),
        get("/v1/status/leader"),
        get("/v1/kv/kvexpress/?recurse"));
  }

  private static List<Step> edgeCases() {
    return List.of(
        put("/v1/kv/e/cas?cas=0", "first"),
        put("/v1/kv/e/cas?cas=0", "second"),
        put("/v1/kv/e/cas?cas={M:e/cas}", "third"),
        put("/v1/kv/e/cas?cas=1", "stale"),
        get("/v1/kv/e/cas"),
        put("/v1/kv/e/same", "v"),
        put("/v1/kv/e/same", "v"),
        get("/v1/kv/e/same"),
        put("/v1/kv/e/empty", ""),
        get("/v1/kv/e/empty"),
        get("/v1/kv/e/empty?raw"),
        put("/v1/kv/e/flags?flags=18446744073709551615", "max"),
        get("/v1/kv/e/flags"),
        put("/v1/kv/e/flags?flags=-1", "neg"),
        put("/v1/kv/e/sp%20ace", "space"),
        get("/v1/kv/e/sp%20ace"),
        put("/v1/kv/e/ut%C3%A9f", "utf8"),
        get("/v1/kv/e/?keys"),
        get("/v1/kv/e?keys"),
        get("/v1/kv/e/missing"),
        get("/v1/kv/e/missing?recurse"),
        get("/v1/kv/nothing-here/?keys"),
        get("/v1/kv/e/cas?index=abc"),
        get("/v1/kv/e/cas?wait=soon&index=1"),
        get("/v1/kv/e/cas?stale&consistent"),
        put("/v1/kv/e/big", "x".repeat(524_288)),
        put("/v1/kv/e/toobig", "x".repeat(524_289)),
        delete("/v1/kv/e/cas?cas=1"),
        delete("/v1/kv/e/cas?cas={M:e/cas}"),
        delete("/v1/kv/e/missing"),
        delete("/v1/kv/e?recurse"),
        get("/v1/kv/e/?recurse"),
        new Step("POST kv", "POST", "/v1/kv/e/post", "x", Auth.MANAGEMENT),
        put("/v1/kv/e//double", "x"),
        put("/v1/kv/e/./dot", "x"));
  }

  private static List<Step> transactions() {
    List<String> sixtyFive = new ArrayList<>();
    for (int i = 0; i < 65; i++) {
      sixtyFive.add(set("t/many/" + i, "v", 0));
    }
    return List.of(
        txn("set and get in one", ops(set("t/a", "1", 0), op("get", "t/a"), op("get-tree", "t/"))),
        txn("get of a missing key fails", ops(op("get", "t/missing"))),
        txn(
            "cas create-only on an existing key",
            ops(
                "{\"KV\": {\"Verb\": \"cas\", \"Key\": \"t/a\", \"Index\": 0, "
                    + "\"Value\": \"eA==\"}}")),
        txn(
            "cas with the current index",
            ops(
                "{\"KV\": {\"Verb\": \"cas\", \"Key\": \"t/a\", \"Index\": {M:t/a}, "
                    + "\"Value\": \"eQ==\"}}")),
        txn(
            "delete-cas stale",
            ops("{\"KV\": {\"Verb\": \"delete-cas\", \"Key\": \"t/a\", \"Index\": 1}}")),
        txn(
            "delete-tree then check-not-exists",
            ops(op("delete-tree", "t/"), op("check-not-exists", "t/a"))),
        txn(
            "every failing op is listed",
            ops(
                op("check-index", "t/none"),
                op("get", "t/none"),
                op("check-not-exists", "t/none"))),
        txn("unknown verb", ops(op("frobnicate", "t/a"))),
        txn("unknown field", "[{\"KV\": {\"Verb\": \"get\", \"Key\": \"t/a\", \"Bogus\": 1}}]"),
        txn("empty body", ""),
        txn("65 operations", ops(sixtyFive.toArray(new String[0]))),
        txn("64 operations", ops(sixtyFive.subList(0, 64).toArray(new String[0]))),
        txn("value over the limit", ops(set("t/big", "x".repeat(524_289), 0))));
  }

  private static List<Step> acls() {
    return List.of(
        put("/v1/kv/a/secret", "s"),
        as(Auth.ANONYMOUS, get("/v1/kv/a/secret")),
        as(Auth.ANONYMOUS, get("/v1/kv/a/missing")),
        as(Auth.ANONYMOUS, get("/v1/kv/a/?recurse")),
        as(Auth.ANONYMOUS, get("/v1/kv/a/?keys")),
        as(Auth.ANONYMOUS, put("/v1/kv/a/secret", "overwrite")),
        as(Auth.ANONYMOUS, delete("/v1/kv/a/secret")),
        as(
            Auth.ANONYMOUS,
            txn(
                "read-only get-tree of readable-by-nobody keys",
                ops(op("get-tree", "a/secret"), op("get-tree", "a/missing")))),
        as(Auth.ANONYMOUS, txn("write", ops(set("a/secret", "w", 0)))),
        as(
            Auth.ANONYMOUS,
            txn("check-not-exists (authorised as a write)", ops(op("check-not-exists", "a/stop")))),
        as(
            Auth.ANONYMOUS,
            txn("check-index (authorised as a read)", ops(op("check-index", "a/secret")))),
        as(Auth.UNKNOWN, get("/v1/kv/a/secret")),
        as(Auth.UNKNOWN, txn("read", ops(op("get-tree", "a/secret")))),
        as(Auth.ANONYMOUS, get("/v1/status/leader")),
        get("/v1/kv/a/secret"));
  }

  @Test
  void kvexpressRequestShapesAnswerAlike() {
    compare(kvexpressShapes());
  }

  @Test
  void keyAndPathEdgeCasesAnswerAlike() {
    compare(edgeCases());
  }

  @Test
  void transactionFailuresAndLimitsAnswerAlike() {
    compare(transactions());
  }

  @Test
  void aclDenialsAnswerAlike() {
    compare(acls());
  }

  /**
   * A blocking query on an existing key wakes on its change, and only then (both sides, timed
   * together).
   */
  @Test
  void blockingQueriesWakeAlike() throws Exception {
    for (Side side : List.of(new Side("consul", consul.url("")), new Side("dev", dev.url("")))) {
      side.send(put("/v1/kv/b/key", "1"));
      long index =
          Long.parseLong(
              side.send(get("/v1/kv/b/key")).headers().firstValue("X-Consul-Index").orElseThrow());
      CompletableFuture<HttpResponse<String>> waiting =
          side.sendAsync(get("/v1/kv/b/key?index=" + index + "&wait=5s"));
      side.awaitParked();
      side.send(put("/v1/kv/b/other", "unrelated"));
      Await.holdsFor(
          side.name + ": an unrelated write not waking a watch on an existing key",
          Duration.ofMillis(300),
          () -> !waiting.isDone());
      side.send(put("/v1/kv/b/key", "2"));
      HttpResponse<String> woke = waiting.get();
      assertThat(woke.statusCode()).isEqualTo(200);
      assertThat(Long.parseLong(woke.headers().firstValue("X-Consul-Index").orElseThrow()))
          .isGreaterThan(index);
    }
  }

  /**
   * A blocking query on a missing key: Consul 1.8.7 answers 404 at the first KV write anywhere;
   * newer Consul (and the dev agent, deliberately: it is the stricter fault injector for a
   * watcher's own rate limit) waits for the key itself. Both sides must answer 404 with an index,
   * and wake for the key's creation.
   */
  @Test
  void blockingOnAMissingKey() throws Exception {
    for (Side side : List.of(new Side("consul", consul.url("")), new Side("dev", dev.url("")))) {
      side.send(put("/v1/kv/m/seed", "1"));
      HttpResponse<String> missing = side.send(get("/v1/kv/m/later"));
      assertThat(missing.statusCode()).isEqualTo(404);
      long index = Long.parseLong(missing.headers().firstValue("X-Consul-Index").orElseThrow());
      long started = System.nanoTime();
      CompletableFuture<HttpResponse<String>> waiting =
          side.sendAsync(get("/v1/kv/m/later?index=" + index + "&wait=3s"));
      side.awaitParked();
      side.send(put("/v1/kv/m/unrelated", "x"));
      HttpResponse<String> first = waiting.get();
      assertThat(first.statusCode()).isEqualTo(404);
      boolean wokeOnUnrelated = System.nanoTime() - started < 2_000_000_000L;
      if (side.name.equals("consul") && !ConsulBinary.atLeast(1, 9)) {
        assertThat(wokeOnUnrelated).as("1.8.7 wakes a missing-key watch on any KV write").isTrue();
      }
      if (side.name.equals("dev")) {
        assertThat(wokeOnUnrelated)
            .as("the dev agent waits for the key itself, as newer Consul")
            .isFalse();
      }
      long next = Long.parseLong(first.headers().firstValue("X-Consul-Index").orElseThrow());
      waiting = side.sendAsync(get("/v1/kv/m/later?index=" + next + "&wait=5s"));
      side.awaitParked();
      side.send(put("/v1/kv/m/later", "now"));
      HttpResponse<String> created = waiting.get();
      assertThat(created.statusCode())
          .as(side.name + ": the key's creation wakes the watch")
          .isEqualTo(200);
    }
  }

  // ---- the comparison ----

  private void compare(List<Step> steps) {
    Side real = new Side("consul", consul.url(""));
    Side fake = new Side("dev", dev.url(""));
    List<String> differences = new ArrayList<>();
    for (Step s : steps) {
      String a = real.normalize(s, real.send(s));
      String b = fake.normalize(s, fake.send(s));
      if (!a.equals(b)) {
        differences.add(
            s.name() + "\n    consul: " + abbreviate(a) + "\n    dev:    " + abbreviate(b));
      }
    }
    assertThat(differences).as("answers that differ").isEmpty();
  }

  private static String abbreviate(String s) {
    return s.length() <= 600 ? s : s.substring(0, 600) + "…";
  }

  /**
   * Details the dev agent takes from newer Consul than 1.8.7 on purpose, removed before comparing:
   * Consul 1.8.7's denial says only "Permission denied", where newer releases add which token lacks
   * which permission; size errors link to the newer documentation site; an unknown verb is "unknown
   * KV verb \"x\"" in 1.8.7 and "unknown KV operation: x" since. Index numbers inside error texts
   * are values, not relations. What remains must be equal.
   */
  private static String newerConsul(String text) {
    if (text.startsWith("Permission denied")) {
      return "Permission denied";
    }
    return text.replaceAll(" See https://\\S+", " See <docs>")
        .replaceAll("modify index \\d+", "modify index N")
        .replaceAll("^unknown KV verb \"(.*)\"$", "unknown KV operation: $1");
  }

  /**
   * Query meta that newer Consul adds to read-only transaction answers (1.8.7 sends an empty
   * ConsistencyLevel and no NotModified or ResultsFilteredByACLs), and timing details that are no
   * contract.
   */
  private static final Set<String> NOT_COMPARED =
      Set.of("LastContact", "Backend", "ConsistencyLevel", "NotModified", "ResultsFilteredByACLs");

  /** One backend's side of the comparison, with the index numbers it has shown so far. */
  private final class Side {
    private final String name;
    private final String base;
    private final Map<String, Long> modifyIndex = new HashMap<>();
    private final Map<Long, String> symbols = new LinkedHashMap<>();

    Side(String name, String base) {
      this.name = name;
      this.base = base;
    }

    long lastIndex(String key) {
      return modifyIndex.getOrDefault(key, 0L);
    }

    /**
     * Waits until the blocking query just sent is parked: the dev agent counts its parked queries;
     * Consul shows no sign of one, so it gets the head start a query needs on loopback (the one
     * timed wait left here, for ordering, not for proving anything).
     */
    void awaitParked() throws InterruptedException {
      if (name.equals("dev")) {
        Await.until("the query to park", Duration.ofSeconds(10), () -> dev.blockedQueries() >= 1);
      } else {
        Thread.sleep(300);
      }
    }

    HttpResponse<String> send(Step s) {
      try {
        return Http.client().send(request(s), HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        throw new AssertionError(name + ": " + s.name() + ": " + e, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }

    CompletableFuture<HttpResponse<String>> sendAsync(Step s) {
      return Http.client().sendAsync(request(s), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest request(Step s) {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create(base + substitute(s.path())))
              .timeout(Duration.ofSeconds(30));
      if (s.auth() == Auth.MANAGEMENT) {
        b.header("X-Consul-Token", TOKEN);
      } else if (s.auth() == Auth.UNKNOWN) {
        b.header("X-Consul-Token", UNKNOWN_TOKEN);
      }
      return b.method(
              s.method(),
              s.body() == null
                  ? HttpRequest.BodyPublishers.noBody()
                  : HttpRequest.BodyPublishers.ofString(substitute(s.body())))
          .build();
    }

    private String substitute(String text) {
      Matcher m = Pattern.compile("\\{M:([^}]*)}").matcher(text);
      StringBuilder out = new StringBuilder();
      while (m.find()) {
        m.appendReplacement(out, Long.toString(lastIndex(m.group(1))));
      }
      return m.appendTail(out).toString();
    }

    /** Status, the headers that matter, and the body with every index replaced by its symbol. */
    String normalize(Step s, HttpResponse<String> r) {
      StringBuilder out = new StringBuilder().append(r.statusCode());
      r.headers()
          .firstValue("X-Consul-Index")
          .ifPresent(i -> out.append(" index=").append(symbol(Long.parseLong(i))));
      out.append(r.headers().firstValue("X-Consul-Knownleader").isPresent() ? " knownleader" : "");
      r.headers().firstValue("Location").ifPresent(l -> out.append(" location=").append(l));
      String body = r.body().strip();
      try {
        JsonElement json = JsonParser.parseString(body);
        if (!body.isEmpty()
            && (json.isJsonArray() || json.isJsonObject() || json.isJsonPrimitive())) {
          out.append(' ').append(walk(json));
          return out.toString();
        }
      } catch (JsonParseException notJson) {
        // compared as text below
      }
      out.append(" text=").append(newerConsul(body.length() > 200 ? body.substring(0, 200) : body));
      return out.toString();
    }

    private JsonElement walk(JsonElement e) {
      if (e.isJsonArray()) {
        JsonArray a = new JsonArray();
        e.getAsJsonArray().forEach(x -> a.add(walk(x)));
        return a;
      }
      if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
        String text = e.getAsString();
        // the leader's address: a host:port, different for every agent
        return new JsonPrimitive(
            text.matches("127\\.0\\.0\\.1:\\d+") ? "127.0.0.1:PORT" : newerConsul(text));
      }
      if (!e.isJsonObject()) {
        return e;
      }
      JsonObject o = e.getAsJsonObject();
      if (o.has("Key") && o.has("ModifyIndex")) {
        modifyIndex.put(o.get("Key").getAsString(), o.get("ModifyIndex").getAsLong());
      }
      JsonObject copy = new JsonObject();
      for (Map.Entry<String, JsonElement> f : o.entrySet()) {
        String k = f.getKey();
        if (NOT_COMPARED.contains(k) || k.equals("Index") && o.has("Results")) {
          continue;
        }
        if ((k.equals("CreateIndex") || k.equals("ModifyIndex"))
            && f.getValue().isJsonPrimitive()) {
          copy.add(k, new JsonPrimitive(symbol(f.getValue().getAsLong())));
        } else {
          copy.add(k, walk(f.getValue()));
        }
      }
      return copy;
    }

    /** i1, i2, …: the order in which this side first showed each index number. */
    private String symbol(long index) {
      return symbols.computeIfAbsent(index, i -> "i" + (symbols.size() + 1));
    }
  }
}
