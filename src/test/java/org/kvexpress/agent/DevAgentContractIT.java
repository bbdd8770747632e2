package org.kvexpress.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.ecwid.consul.v1.ConsulClient;
import com.ecwid.consul.v1.QueryParams;
import com.ecwid.consul.v1.Response;
import com.ecwid.consul.v1.kv.model.GetValue;
import com.ecwid.consul.v1.kv.model.PutParams;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.kvexpress.testing.Await;
import org.kvexpress.testing.Http;

/**
 * The dev agent's wire contract, checked over real HTTP with the Ecwid client and with
 * java.net.http. Each test follows Consul's documented HTTP API; DifferentialIT compares the same
 * requests with real Consul.
 */
@Tag("dev-agent-only")
class DevAgentContractIT {
  private final ByteArrayOutputStream agentLog = new ByteArrayOutputStream();
  private DevAgent agent;

  @BeforeEach
  void start() throws IOException {
    agent =
        new DevAgent(DevAgent.Config.defaults().withVerbose(true, new PrintStream(agentLog, true)))
            .start();
  }

  @AfterEach
  void stop() {
    agent.close();
  }

  /** Waits until {@code n} blocking queries are parked in the agent (never a fixed sleep). */
  private void awaitBlocked(int n) {
    Await.until(
        n + " blocking queries parked", Duration.ofSeconds(10), () -> agent.blockedQueries() >= n);
  }

  private String kv(String keyAndQuery) {
    return agent.url("/v1/kv/" + keyAndQuery);
  }

  private static JsonArray array(HttpResponse<String> r) {
    return JsonParser.parseString(r.body()).getAsJsonArray();
  }

  private static long index(HttpResponse<?> r) {
    return Long.parseLong(r.headers().firstValue("X-Consul-Index").orElseThrow());
  }

  @Nested
  class WithEcwidClient {
    private ConsulClient client;

    @BeforeEach
    void connect() {
      client = new ConsulClient("127.0.0.1", agent.port());
    }

    @Test
    void putThenGetRoundTripsValueAndFlags() {
      PutParams params = new PutParams();
      params.setFlags(2);
      assertThat(
              client
                  .setKVBinaryValue("app/data", new byte[] {0, (byte) 0xff, 10}, params)
                  .getValue())
          .isTrue();
      Response<GetValue> r = client.getKVValue("app/data");
      assertThat(r.getValue().getKey()).isEqualTo("app/data");
      assertThat(r.getValue().getFlags()).isEqualTo(2);
      assertThat(r.getValue().getDecodedValue(StandardCharsets.ISO_8859_1))
          .isEqualTo("\u0000\u00ff\n");
      assertThat(r.getConsulIndex()).isEqualTo(r.getValue().getModifyIndex());
      assertThat(r.isConsulKnownLeader()).isTrue();
      assertThat(r.getConsulLastContact()).isZero();
    }

    @Test
    void missingKeyIsNullWithIndex() {
      Response<GetValue> r = client.getKVValue("nope");
      assertThat(r.getValue()).isNull();
      assertThat(r.getConsulIndex()).isPositive();
    }

    @Test
    void recurseListsRawStringPrefixInByteOrder() {
      client.setKVValue("app/b", "2");
      client.setKVValue("app/a", "1");
      client.setKVValue("apple", "3");
      client.setKVValue("other", "4");
      List<GetValue> values = client.getKVValues("app").getValue();
      assertThat(values).extracting(GetValue::getKey).containsExactly("app/a", "app/b", "apple");
    }

    @Test
    void blockingQueryReturnsWhenTheKeyChanges() throws Exception {
      client.setKVValue("w/k", "1");
      long idx = client.getKVValue("w/k").getConsulIndex();
      CompletableFuture<Response<GetValue>> waiting =
          CompletableFuture.supplyAsync(
              () ->
                  client.getKVValue(
                      "w/k", QueryParams.Builder.builder().setIndex(idx).setWaitTime(30).build()));
      awaitBlocked(1);
      assertThat(waiting).isNotDone();
      client.setKVValue("w/k", "2");
      Response<GetValue> r = waiting.get(10, TimeUnit.SECONDS);
      assertThat(r.getValue().getDecodedValue()).isEqualTo("2");
      assertThat(r.getConsulIndex()).isGreaterThan(idx);
    }
  }

  @Nested
  class Reads {
    @Test
    void emptyValueComesBackAsNull() {
      Http.put(kv("e"), "");
      JsonObject o = array(Http.get(kv("e"))).get(0).getAsJsonObject();
      assertThat(o.get("Value").isJsonNull()).isTrue();
      assertThat(o.has("Session")).as("Session is omitted when empty").isFalse();
      assertThat(o.keySet())
          .containsExactly("LockIndex", "Key", "Flags", "Value", "CreateIndex", "ModifyIndex");
    }

    @Test
    void missingKeyIs404WithMetaHeadersAndEmptyBody() {
      HttpResponse<String> r = Http.get(kv("missing"));
      assertThat(r.statusCode()).isEqualTo(404);
      assertThat(r.body()).isEmpty();
      assertThat(r.headers().firstValue("X-Consul-Index")).isPresent();
      assertThat(r.headers().firstValue("X-Consul-KnownLeader")).contains("true");
      assertThat(r.headers().firstValue("X-Consul-LastContact")).contains("0");
      assertThat(r.headers().firstValue("X-Consul-Default-ACL-Policy")).contains("allow");
      assertThat(r.headers().firstValue("Vary")).contains("Accept-Encoding");
    }

    @Test
    void recurseWithNothingIs404AndRootWithoutRecurseIs400() {
      assertThat(Http.get(agent.url("/v1/kv/?recurse")).statusCode()).isEqualTo(404);
      HttpResponse<String> r = Http.get(agent.url("/v1/kv/"));
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.body()).isEqualTo("Missing key name");
      assertThat(r.headers().firstValue("Content-Type")).contains("text/plain; charset=utf-8");
    }

    @Test
    void recurseIsTestedByPresenceOnly() {
      Http.put(kv("p/a"), "1");
      assertThat(array(Http.get(kv("p/?recurse=false")))).hasSize(1);
    }

    @Test
    void keysWithSeparatorCutsAndDedupes() {
      for (String k : List.of("s/a/1", "s/a/2", "s/b", "s/c/x/y")) {
        Http.put(kv(k), "v");
      }
      HttpResponse<String> r = Http.get(kv("s/?keys&separator=/"));
      assertThat(array(r).toString()).isEqualTo("[\"s/a/\",\"s/b\",\"s/c/\"]");
      assertThat(Http.get(kv("s/?keys&seperator=/")).body()).isEqualTo(r.body());
      assertThat(Http.get(kv("none/?keys")).statusCode()).isEqualTo(404);
      assertThat(Http.get(agent.url("/v1/kv/?keys")).statusCode()).isEqualTo(200);
    }

    @Test
    void keysOnEmptyStoreIsEmptyArray() {
      HttpResponse<String> r = Http.get(agent.url("/v1/kv/?keys"));
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("[]");
    }

    @Test
    void rawReturnsStoredBytesWithSafeHeaders() {
      byte[] value = {'<', 'b', '>', 0, (byte) 0x80};
      Http.put(kv("raw"), value);
      HttpResponse<byte[]> r = Http.getBytes(kv("raw?raw"));
      assertThat(r.body()).isEqualTo(value);
      assertThat(r.headers().firstValue("Content-Type")).contains("text/plain; charset=utf-8");
      assertThat(r.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
      assertThat(r.headers().firstValue("Content-Security-Policy")).contains("sandbox");
      assertThat(r.headers().firstValue("X-Consul-Index")).isPresent();
      assertThat(Http.get(kv("nothing?raw")).statusCode()).isEqualTo(404);
    }

    @Test
    void jsonEscapesHtmlCharactersLikeGoAndPrettyIndentsFourSpaces() {
      Http.put(kv("a&b"), "x");
      assertThat(Http.get(kv("?keys")).body()).isEqualTo("[\"a\\u0026b\"]");
      assertThat(Http.get(kv("a&b?pretty")).body())
          .startsWith("[\n    {\n        \"LockIndex\": 0,")
          .endsWith("]\n");
    }

    @Test
    void largeBodiesAreGzippedOnlyWhenAsked() throws IOException {
      Http.put(kv("big"), "x".repeat(5000));
      HttpResponse<byte[]> plain = Http.getBytes(kv("big"));
      assertThat(plain.headers().firstValue("Content-Encoding")).isEmpty();
      HttpResponse<byte[]> gz = Http.getBytes(kv("big"), "Accept-Encoding", "gzip");
      assertThat(gz.headers().firstValue("Content-Encoding")).contains("gzip");
      byte[] unzipped = new GZIPInputStream(new ByteArrayInputStream(gz.body())).readAllBytes();
      assertThat(unzipped).isEqualTo(plain.body());
      HttpResponse<byte[]> small = Http.getBytes(kv("?keys"), "Accept-Encoding", "gzip");
      assertThat(small.headers().firstValue("Content-Encoding")).as("below 1400 bytes").isEmpty();
    }

    @Test
    void badIndexOrWaitIs400AndStaleWithConsistentIs400() {
      assertThat(Http.get(kv("k?index=abc")).body()).isEqualTo("Invalid index");
      assertThat(Http.get(kv("k?index=1&wait=10")).body()).isEqualTo("Invalid wait time");
      HttpResponse<String> r = Http.get(kv("k?stale&consistent"));
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.body())
          .isEqualTo("Cannot specify ?stale with ?consistent, conflicting semantics.");
    }

    @Test
    void enterpriseParametersAndUnknownDatacenterAreRejected() {
      HttpResponse<String> ns = Http.get(kv("k?ns=default"));
      assertThat(ns.statusCode()).isEqualTo(400);
      assertThat(ns.body())
          .isEqualTo(
              "Invalid query parameter: \"ns\" - Namespaces are a Consul Enterprise feature");
      assertThat(Http.get(kv("k"), "X-Consul-Partition", "p").statusCode()).isEqualTo(400);
      HttpResponse<String> dc = Http.get(kv("k?dc=elsewhere"));
      assertThat(dc.statusCode()).isEqualTo(500);
      assertThat(dc.body()).isEqualTo("No path to datacenter");
      assertThat(Http.get(kv("k?dc=dc1")).statusCode()).isEqualTo(404);
    }
  }

  @Nested
  class Writes {
    @Test
    void putAnswersTrueAndKeepsCreateIndexOnUpdate() {
      HttpResponse<String> r = Http.put(kv("k"), "1");
      assertThat(r.body()).isEqualTo("true");
      assertThat(r.headers().firstValue("X-Consul-Index")).as("no index on PUT").isEmpty();
      JsonObject first = array(Http.get(kv("k"))).get(0).getAsJsonObject();
      Http.put(kv("k"), "2");
      JsonObject second = array(Http.get(kv("k"))).get(0).getAsJsonObject();
      assertThat(second.get("CreateIndex")).isEqualTo(first.get("CreateIndex"));
      assertThat(second.get("ModifyIndex").getAsLong())
          .isGreaterThan(first.get("ModifyIndex").getAsLong());
    }

    @Test
    void identicalWriteChangesNoIndex() {
      Http.put(kv("k?flags=7"), "same");
      long before = index(Http.get(kv("k")));
      Http.put(kv("k?flags=7"), "same");
      assertThat(index(Http.get(kv("k")))).isEqualTo(before);
      Http.put(kv("k?flags=8"), "same");
      assertThat(index(Http.get(kv("k")))).as("a flags change is a change").isGreaterThan(before);
    }

    @Test
    void casZeroCreatesOnlyAndCasNeedsTheCurrentIndex() {
      assertThat(Http.put(kv("c?cas=0"), "a").body()).isEqualTo("true");
      assertThat(Http.put(kv("c?cas=0"), "b").body()).isEqualTo("false");
      long idx = index(Http.get(kv("c")));
      assertThat(Http.put(kv("c?cas=" + (idx + 100)), "b").body()).isEqualTo("false");
      assertThat(Http.put(kv("c?cas=" + idx), "b").body()).isEqualTo("true");
      assertThat(Http.put(kv("nothere?cas=5"), "b").body()).isEqualTo("false");
    }

    @Test
    void conflictingFlagsAndBadNumbersAndSessions() {
      HttpResponse<String> r = Http.put(kv("k?release=s&cas=1"), "x");
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.body()).isEqualTo("Conflicting flags: cas=1&release=s\n");
      HttpResponse<String> flags = Http.put(kv("k?flags=abc"), "x");
      assertThat(flags.statusCode()).isEqualTo(500);
      assertThat(flags.body()).contains("invalid syntax");
      assertThat(Http.put(kv("k?acquire=nosuch"), "x").body())
          .isEqualTo("invalid session \"nosuch\"");
      assertThat(Http.put(agent.url("/v1/kv/"), "x").body()).isEqualTo("Missing key name");
    }

    @Test
    void valueSizeLimitIsInclusiveAnd413Beyond() {
      assertThat(Http.put(kv("v"), new byte[524_288]).statusCode()).isEqualTo(200);
      HttpResponse<String> r = Http.put(kv("v"), new byte[524_289]);
      assertThat(r.statusCode()).isEqualTo(413);
      assertThat(r.body())
          .isEqualTo(
              "Request body(524289 bytes) too large, max size: 524288 bytes. See "
                  + "https://developer.hashicorp.com/docs/agent/config/config-files#kv_max_value_size.");
    }

    @Test
    void keyValidationFollowsConsul122() {
      HttpResponse<String> r = Http.put(kv("%20lead"), "x");
      assertThat(r.statusCode()).isEqualTo(500);
      assertThat(r.body()).isEqualTo("invalid key name, leading/trailing spaces are not allowed");
      assertThat(Http.put(kv("a/%252e%252e/b"), "x").body())
          .isEqualTo("invalid key name, path traversal is not allowed");
      assertThat(Http.put(kv("ok.json"), "x").statusCode()).as("suffixes are fine").isEqualTo(200);
    }

    @Test
    void deleteIsTrueEvenForMissingKeysAndRecurseDeletesRawPrefix() {
      Http.put(kv("d/a"), "1");
      Http.put(kv("d/b"), "1");
      Http.put(kv("dx"), "1");
      assertThat(Http.delete(kv("never")).body()).isEqualTo("true");
      assertThat(Http.delete(kv("d?recurse")).body()).isEqualTo("true");
      assertThat(Http.get(kv("d?recurse")).statusCode()).isEqualTo(404);
      assertThat(Http.delete(kv("k?recurse&cas=1")).statusCode()).isEqualTo(400);
      assertThat(Http.delete(agent.url("/v1/kv/")).body()).isEqualTo("Missing key name");
    }

    @Test
    void deleteCasNeedsTheCurrentIndex() {
      Http.put(kv("dc"), "1");
      long idx = index(Http.get(kv("dc")));
      assertThat(Http.delete(kv("dc?cas=" + (idx + 1))).body()).isEqualTo("false");
      assertThat(Http.delete(kv("dc?cas=" + idx)).body()).isEqualTo("true");
      assertThat(Http.delete(kv("dc?cas=99")).body()).as("missing key").isEqualTo("true");
    }

    @Test
    void tombstonesKeepThePrefixIndexFromGoingBackwards() {
      Http.put(kv("t/a"), "1");
      Http.put(kv("t/b"), "1");
      Http.delete(kv("t/b"));
      long afterDelete = index(Http.get(kv("t/?recurse")));
      Http.put(kv("elsewhere"), "1");
      assertThat(index(Http.get(kv("t/?recurse")))).isEqualTo(afterDelete);
      assertThat(afterDelete).isGreaterThan(index(Http.get(kv("t/a"))));
    }
  }

  @Nested
  class Blocking {
    @Test
    void timesOutWithTheSameIndex() {
      Http.put(kv("b"), "1");
      long idx = index(Http.get(kv("b")));
      long start = System.nanoTime();
      HttpResponse<String> r = Http.get(kv("b?index=" + idx + "&wait=300ms"));
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(index(r)).isEqualTo(idx);
      assertThat(ms).isBetween(250L, 5_000L);
    }

    @Test
    void lowerClientIndexAnswersAtOnce() {
      Http.put(kv("b"), "1");
      Http.put(kv("b"), "2");
      long start = System.nanoTime();
      Http.get(kv("b?index=1&wait=10s"));
      assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(3_000);
    }

    @Test
    void identicalWriteDoesNotWake() throws Exception {
      Http.put(kv("b"), "same");
      long idx = index(Http.get(kv("b")));
      CompletableFuture<HttpResponse<String>> w = async(kv("b?index=" + idx + "&wait=1s"));
      awaitBlocked(1);
      Http.put(kv("b"), "same");
      Await.holdsFor(
          "the identical write not to wake the query", Duration.ofMillis(200), () -> !w.isDone());
      assertThat(index(w.get(10, TimeUnit.SECONDS))).isEqualTo(idx);
    }

    @Test
    void missingKeyWaitsThroughUnrelatedWritesUntilCreated() throws Exception {
      long idx = index(Http.get(kv("later")));
      CompletableFuture<HttpResponse<String>> w = async(kv("later?index=" + idx + "&wait=20s"));
      awaitBlocked(1);
      Http.put(kv("unrelated"), "1");
      Await.holdsFor(
          "the unrelated write not to end the wait", Duration.ofMillis(300), () -> !w.isDone());
      Http.put(kv("later"), "now");
      HttpResponse<String> r = w.get(10, TimeUnit.SECONDS);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(array(r).get(0).getAsJsonObject().get("Key").getAsString()).isEqualTo("later");
    }

    @Test
    void prefixWaitWakesOnDeleteUnderIt() throws Exception {
      Http.put(kv("pw/a"), "1");
      Http.put(kv("pw/b"), "1");
      long idx = index(Http.get(kv("pw/?recurse")));
      CompletableFuture<HttpResponse<String>> w =
          async(kv("pw/?recurse&index=" + idx + "&wait=20s"));
      awaitBlocked(1);
      Http.delete(kv("pw/a"));
      HttpResponse<String> r = w.get(10, TimeUnit.SECONDS);
      assertThat(array(r)).hasSize(1);
      assertThat(index(r)).isGreaterThan(idx);
    }

    @Test
    void aThousandConcurrentBlockingQueriesAllWakeOnOneWrite() throws Exception {
      Http.put(kv("many/k"), "1");
      long idx = index(Http.get(kv("many/?recurse")));
      List<CompletableFuture<HttpResponse<String>>> waits = new ArrayList<>();
      HttpClient client = HttpClient.newHttpClient();
      for (int i = 0; i < 1000; i++) {
        waits.add(
            client.sendAsync(
                Http.builder(kv("many/?recurse&index=" + idx + "&wait=60s")).GET().build(),
                HttpResponse.BodyHandlers.ofString()));
      }
      awaitBlocked(1000);
      assertThat(waits).noneMatch(CompletableFuture::isDone);
      // The agent still answers other requests while a thousand wait.
      assertThat(Http.get(kv("many/k")).statusCode()).isEqualTo(200);
      Http.put(kv("many/k"), "2");
      CompletableFuture.allOf(waits.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
      for (CompletableFuture<HttpResponse<String>> w : waits) {
        assertThat(index(w.get())).isGreaterThan(idx);
      }
    }

    private CompletableFuture<HttpResponse<String>> async(String url) {
      return Http.client()
          .sendAsync(Http.builder(url).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
  }

  @Nested
  class Transactions {
    private String op(String verb, String key, String value, long index) {
      JsonObject kv = new JsonObject();
      kv.addProperty("Verb", verb);
      kv.addProperty("Key", key);
      if (value != null) {
        kv.addProperty(
            "Value", Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)));
      }
      if (index >= 0) {
        kv.addProperty("Index", index);
      }
      JsonObject o = new JsonObject();
      o.add("KV", kv);
      return o.toString();
    }

    private HttpResponse<String> txn(String... ops) {
      return Http.put(agent.url("/v1/txn"), "[" + String.join(",", ops) + "]");
    }

    @Test
    void writesGetOneIndexAndResultsHaveNoValue() {
      HttpResponse<String> r = txn(op("set", "t/a", "1", -1), op("set", "t/b", "2", -1));
      assertThat(r.statusCode()).isEqualTo(200);
      JsonObject body = JsonParser.parseString(r.body()).getAsJsonObject();
      assertThat(body.get("Errors").isJsonNull()).isTrue();
      JsonArray results = body.getAsJsonArray("Results");
      assertThat(results).hasSize(2);
      JsonObject a = results.get(0).getAsJsonObject().getAsJsonObject("KV");
      JsonObject b = results.get(1).getAsJsonObject().getAsJsonObject("KV");
      assertThat(a.get("Value").isJsonNull()).isTrue();
      assertThat(a.get("ModifyIndex")).isEqualTo(b.get("ModifyIndex"));
    }

    @Test
    void failureRollsBackEverythingAndListsEveryFailingOp() {
      Http.put(kv("t/x"), "old");
      long idx = index(Http.get(kv("t/x")));
      HttpResponse<String> r =
          txn(
              op("set", "t/new", "1", -1),
              op("check-index", "t/x", null, idx + 5),
              op("check-not-exists", "t/x", null, -1),
              op("get", "t/none", null, -1));
      assertThat(r.statusCode()).isEqualTo(409);
      assertThat(r.headers().firstValue("Content-Type"))
          .contains("application/json; charset=utf-8");
      JsonObject body = JsonParser.parseString(r.body()).getAsJsonObject();
      assertThat(body.get("Results").isJsonNull()).isTrue();
      JsonArray errors = body.getAsJsonArray("Errors");
      assertThat(errors).hasSize(3);
      assertThat(errors.get(0).getAsJsonObject().get("OpIndex").getAsInt()).isEqualTo(1);
      assertThat(errors.get(0).getAsJsonObject().get("What").getAsString())
          .isEqualTo(
              "failed index check for key \"t/x\", current modify index "
                  + idx
                  + " != "
                  + (idx + 5));
      assertThat(errors.get(1).getAsJsonObject().get("What").getAsString())
          .isEqualTo("key \"t/x\" exists");
      assertThat(errors.get(2).getAsJsonObject().get("What").getAsString())
          .isEqualTo("key \"t/none\" doesn't exist");
      assertThat(Http.get(kv("t/new")).statusCode()).as("rolled back").isEqualTo(404);
    }

    @Test
    void rollbackRestoresOverwrittenAndDeletedKeys() {
      Http.put(kv("rb/a"), "a0");
      Http.put(kv("rb/t/b"), "b0");
      HttpResponse<String> r =
          txn(
              op("set", "rb/a", "a1", -1),
              op("delete-tree", "rb/t/", null, -1),
              op("delete", "rb/a", null, -1),
              op("get", "rb/missing", null, -1));
      assertThat(r.statusCode()).isEqualTo(409);
      assertThat(Http.get(kv("rb/a?raw")).body()).isEqualTo("a0");
      assertThat(Http.get(kv("rb/t/b?raw")).body()).isEqualTo("b0");
    }

    @Test
    void laterOpsSeeEarlierOnesAndGetTreeReturnsValues() {
      HttpResponse<String> r =
          txn(op("set", "g/a", "1", -1), op("cas", "g/b", "2", 0), op("get-tree", "g/", null, -1));
      JsonArray results =
          JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonArray("Results");
      assertThat(results).hasSize(4);
      assertThat(results.get(2).getAsJsonObject().getAsJsonObject("KV").get("Value").getAsString())
          .isEqualTo("MQ==");
    }

    @Test
    void deleteVerbsAndCasStaleness() {
      Http.put(kv("dv/a"), "1");
      Http.put(kv("dv/b"), "1");
      long idx = index(Http.get(kv("dv/a")));
      HttpResponse<String> stale = txn(op("delete-cas", "dv/a", null, idx + 1));
      assertThat(stale.body()).contains("failed to delete key \\\"dv/a\\\", index is stale");
      assertThat(
              txn(op("delete-cas", "dv/a", null, idx), op("delete-tree", "dv/", null, -1))
                  .statusCode())
          .isEqualTo(200);
      assertThat(Http.get(kv("dv/?recurse")).statusCode()).isEqualTo(404);
      HttpResponse<String> cas = txn(op("cas", "dv/z", "1", 42));
      assertThat(cas.body()).contains("failed to set key \\\"dv/z\\\", index is stale");
      assertThat(txn(op("frobnicate", "x", null, -1)).body())
          .contains("unknown KV operation: frobnicate");
    }

    @Test
    void readOnlyTransactionCarriesQueryMeta() {
      Http.put(kv("ro"), "v");
      HttpResponse<String> r = txn(op("get", "ro", null, -1));
      JsonObject body = JsonParser.parseString(r.body()).getAsJsonObject();
      assertThat(body.has("KnownLeader")).isTrue();
      assertThat(r.headers().firstValue("X-Consul-KnownLeader")).contains("true");
      assertThat(r.headers().firstValue("X-Consul-Index")).isEmpty();
    }

    @Test
    void limitsAndParseErrors() {
      List<String> ops = new ArrayList<>();
      // 64, as Consul 1.8.7 to 1.13 (1.14 allows 128): the stricter limit, see DifferentialIT.
      for (int i = 0; i < 65; i++) {
        ops.add(op("set", "l/" + i, "v", -1));
      }
      HttpResponse<String> tooMany = txn(ops.toArray(new String[0]));
      assertThat(tooMany.statusCode()).isEqualTo(413);
      assertThat(tooMany.body()).isEqualTo("Transaction contains too many operations (65 > 64)");
      assertThat(txn(ops.subList(0, 64).toArray(new String[0])).statusCode()).isEqualTo(200);

      HttpResponse<String> unknown =
          Http.put(agent.url("/v1/txn"), "[{\"KV\":{\"Verb\":\"set\",\"Key\":\"k\",\"Bogus\":1}}]");
      assertThat(unknown.statusCode()).isEqualTo(400);
      assertThat(unknown.body()).isEqualTo("Failed to parse body: json: unknown field \"Bogus\"");

      HttpResponse<String> big = Http.put(agent.url("/v1/txn"), new byte[524_289]);
      assertThat(big.statusCode()).isEqualTo(413);
      assertThat(big.body())
          .startsWith("Request body(524289 bytes) too large, max size: 524288 bytes.");
      assertThat(Http.get(agent.url("/v1/txn")).statusCode()).isEqualTo(405);
    }
  }

  @Nested
  class Endpoints {
    @Test
    void statusLeaderAndAgentSelf() {
      assertThat(Http.get(agent.url("/v1/status/leader")).body()).isEqualTo("\"127.0.0.1:8300\"");
      JsonObject self =
          JsonParser.parseString(Http.get(agent.url("/v1/agent/self")).body()).getAsJsonObject();
      assertThat(self.getAsJsonObject("Config").get("Datacenter").getAsString()).isEqualTo("dc1");
      assertThat(self.getAsJsonObject("Config").get("Version").getAsString())
          .isEqualTo(DevAgent.VERSION);
    }

    @Test
    void methodsAndPathCleaning() {
      HttpResponse<String> post = Http.method("POST", kv("k"));
      assertThat(post.statusCode()).isEqualTo(405);
      assertThat(post.body()).isEqualTo("method POST not allowed");
      assertThat(post.headers().firstValue("Allow")).contains("OPTIONS,GET,PUT,DELETE");
      assertThat(Http.method("OPTIONS", kv("k")).statusCode()).isEqualTo(200);
      HttpResponse<String> dbl = Http.get(agent.url("/v1/kv/a//b"));
      assertThat(dbl.statusCode()).isEqualTo(301);
      assertThat(dbl.headers().firstValue("Location")).contains("/v1/kv/a/b");
      assertThat(Http.get(agent.url("/v1/kv")).headers().firstValue("Location"))
          .contains("/v1/kv/");
    }

    @Test
    void queryTokenDrawsAWarningThatDoesNotShowIt() {
      Http.get(kv("k?token=sekrit-123"));
      String log = agentLog.toString(StandardCharsets.UTF_8);
      assertThat(log).contains("[WARN] (agent)").contains("?token=").doesNotContain("sekrit-123");
    }
  }

  @Nested
  class Faults {
    @Test
    void injected500AndDroppedConnections() {
      agent.failNext(Fault.HTTP_500);
      assertThat(Http.get(kv("k")).statusCode()).isEqualTo(500);
      assertThat(Http.get(kv("k")).statusCode()).isEqualTo(404);
      // A PUT, because java.net.http silently retries a GET whose connection was dropped.
      agent.failNext(Fault.DROP);
      HttpRequest req =
          Http.builder(kv("dropped")).PUT(HttpRequest.BodyPublishers.ofString("v")).build();
      Assertions.assertThatThrownBy(
              () -> Http.client().send(req, HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(IOException.class);
      assertThat(Http.get(kv("dropped")).statusCode())
          .as("a dropped request is not applied")
          .isEqualTo(404);
    }

    @Test
    void dropAfterApplyStillApplies() {
      agent.failWhen(r -> r.method().equals("PUT"), Fault.DROP_AFTER_APPLY, 1);
      HttpRequest req =
          Http.builder(kv("applied")).PUT(HttpRequest.BodyPublishers.ofString("v")).build();
      Assertions.assertThatThrownBy(
              () -> Http.client().send(req, HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(IOException.class);
      assertThat(Http.get(kv("applied")).statusCode()).isEqualTo(200);
    }

    @Test
    void failRateFailsAboutThatFraction() {
      agent.setFailRate(0.5);
      int failed = 0;
      for (int i = 0; i < 200; i++) {
        try {
          if (Http.client()
                  .send(Http.builder(kv("k")).GET().build(), HttpResponse.BodyHandlers.ofString())
                  .statusCode()
              == 500) {
            failed++;
          }
        } catch (IOException | InterruptedException e) {
          failed++;
        }
      }
      // Half fail with 500, half by a dropped connection, which the JDK's client may retry once for
      // a
      // GET: about 0.25 + 0.25 x 0.5 of the requests fail then (75 of 200, sd ~7), 100 without
      // retries; the bounds hold both by a wide margin.
      assertThat(failed).isBetween(45, 145);
    }

    @Test
    void requestsAreRecorded() {
      Http.put(kv("rec?flags=3"), "body");
      RecordedRequest r = agent.requests().get(agent.requestCount() - 1);
      assertThat(r.method()).isEqualTo("PUT");
      assertThat(r.path()).isEqualTo("/v1/kv/rec");
      assertThat(r.query()).containsEntry("flags", "3");
      assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("body");
    }
  }

  @Nested
  class Acls {
    private DevAgent secured;

    @BeforeEach
    void startSecured() throws IOException {
      secured = new DevAgent(DevAgent.Config.defaults().withAclToken("root-token")).start();
      Http.put(secured.url("/v1/kv/s/a"), "1", "X-Consul-Token", "root-token");
    }

    @AfterEach
    void stopSecured() {
      secured.close();
    }

    @Test
    void anonymousIsDeniedWithConsulsText() {
      HttpResponse<String> r = Http.get(secured.url("/v1/kv/s/a"));
      assertThat(r.statusCode()).isEqualTo(403);
      assertThat(r.body())
          .isEqualTo(
              "Permission denied: anonymous token lacks permission 'key:read' on \"s/a\". "
                  + "The anonymous token is used implicitly when a request does not specify a token.");
      assertThat(r.headers().firstValue("X-Consul-Default-ACL-Policy")).contains("deny");
      assertThat(Http.get(secured.url("/v1/kv/missing")).statusCode())
          .as("checked even if missing")
          .isEqualTo(403);
      assertThat(Http.put(secured.url("/v1/kv/s/b"), "x").body())
          .contains("'key:write' on \"s/b\"");
    }

    @Test
    void anonymousListsAreFilteredNotDenied() {
      assertThat(Http.get(secured.url("/v1/kv/s/?recurse")).statusCode()).isEqualTo(404);
    }

    @Test
    void unknownTokenIsAclNotFound() {
      HttpResponse<String> r = Http.get(secured.url("/v1/kv/s/a"), "X-Consul-Token", "wrong");
      assertThat(r.statusCode()).isEqualTo(403);
      assertThat(r.body()).isEqualTo("ACL not found");
    }

    @Test
    void tokenPrecedenceQueryThenHeaderThenBearer() {
      assertThat(
              Http.get(secured.url("/v1/kv/s/a"), "Authorization", "Bearer root-token")
                  .statusCode())
          .isEqualTo(200);
      assertThat(
              Http.get(secured.url("/v1/kv/s/a"), "Authorization", "Basic root-token").statusCode())
          .isEqualTo(403);
      assertThat(
              Http.get(secured.url("/v1/kv/s/a?token=root-token"), "X-Consul-Token", "wrong")
                  .statusCode())
          .isEqualTo(200);
      assertThat(
              Http.get(
                      secured.url("/v1/kv/s/a"),
                      "X-Consul-Token",
                      "root-token",
                      "Authorization",
                      "Bearer wrong")
                  .statusCode())
          .isEqualTo(200);
    }

    @Test
    void anonymousTransactionIsRolledBackWithDenials() {
      HttpResponse<String> r =
          Http.put(
              secured.url("/v1/txn"),
              "[{\"KV\":{\"Verb\":\"set\",\"Key\":\"s/z\",\"Value\":\"eA==\"}}]");
      assertThat(r.statusCode()).isEqualTo(409);
      assertThat(r.body())
          .contains("Permission denied: anonymous token lacks permission 'key:write'");
    }

    @Test
    void anonymousReadsInATransactionAreFilteredNotDenied() {
      Http.put(secured.url("/v1/kv/s/present"), "x", "X-Consul-Token", "root-token");
      HttpResponse<String> r =
          Http.put(
              secured.url("/v1/txn"), "[{\"KV\":{\"Verb\":\"get-tree\",\"Key\":\"s/present\"}}]");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonArray("Results"))
          .isEmpty();
    }

    @Test
    void statusLeaderNeedsNoToken() {
      assertThat(Http.get(secured.url("/v1/status/leader")).statusCode()).isEqualTo(200);
      assertThat(Http.get(secured.url("/v1/agent/self")).statusCode()).isEqualTo(403);
    }
  }

  @Test
  void closeStopsServing() throws Exception {
    String url = kv("k");
    agent.close();
    assertThat(agent.awaitTermination(Duration.ofSeconds(5))).isTrue();
    Assertions.assertThatThrownBy(
            () ->
                Http.client()
                    .send(Http.builder(url).GET().build(), HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(IOException.class);
  }
}
