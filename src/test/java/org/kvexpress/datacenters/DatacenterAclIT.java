package org.kvexpress.datacenters;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.Gson;
import com.google.gson.JsonParser;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvexpress.core.Canonicalizer;
import org.kvexpress.testing.Await;
import org.kvexpress.testing.CliRun;
import org.kvexpress.testing.ConsulAgent;
import org.kvexpress.testing.Http;

/**
 * Replication with least privilege and tokens that differ per datacenter, on two WAN-joined real
 * Consul 1.8.7 datacenters with ACLs (default deny, dc1 primary, dc2 replicating policies): the
 * replicator reads the source with a token local to dc1 that may only read the key, and writes the
 * destination with a token local to dc2 that may only write it; each token is worthless in the
 * other datacenter.
 */
@Tag("real-consul-only")
class DatacenterAclIT {
  static final String MASTER = "ac100000-0000-4000-8000-0000000000d1";
  @TempDir Path tmp;

  @Test
  void replicatesWithALocalReadTokenAtTheSourceAndALocalWriteTokenAtTheDestination()
      throws Exception {
    String acl =
        "\"primary_datacenter\": \"dc1\", \"acl\": {\"enabled\": true, \"default_policy\":"
            + " \"deny\", \"enable_token_replication\": true, \"tokens\": {\"master\": \""
            + MASTER
            + "\", \"agent\": \""
            + MASTER
            + "\", \"replication\": \""
            + MASTER
            + "\"}}";
    ConsulAgent dc1 = ConsulAgent.server("acl-dc1", tmp.resolve("dc1"), 1).withConfig(acl);
    ConsulAgent dc2 = null;
    try {
      dc1.start();
      dc2 =
          ConsulAgent.server("acl-dc2", tmp.resolve("dc2"), 1)
              .withConfig(
                  "\"datacenter\": \"dc2\", \"retry_join_wan\": [\""
                      + dc1.serfWanAddress()
                      + "\"], \"retry_interval_wan\": \"1s\", "
                      + acl);
      dc2.start();
      ConsulAgent second = dc2;
      Await.until(
          "both datacenters answer with the master token",
          Duration.ofSeconds(90),
          () ->
              status(dc1.url("/v1/kv/x"), MASTER) == 404
                  && status(dc1.url("/v1/kv/x?dc=dc2"), MASTER) == 404
                  && status(second.url("/v1/kv/x"), MASTER) == 404);
      policy(dc1, "replicate-read", "key_prefix \"kvexpress/app/\" { policy = \"read\" }");
      policy(dc1, "replicate-write", "key_prefix \"kvexpress/app/\" { policy = \"write\" }");
      Await.until(
          "dc2 has the policies",
          Duration.ofSeconds(60),
          () -> {
            HttpResponse<String> r =
                Http.get(second.url("/v1/acl/policies"), "X-Consul-Token", MASTER);
            return r.statusCode() == 200 && r.body().contains("replicate-write");
          });
      // Created through each datacenter's own agent: Consul 1.8.7 creates a token in the datacenter
      // it is asked in and ignores ?dc= on /v1/acl/token.
      Path read = tokenFile("read", localToken(dc1, "replicate-read"));
      Path write = tokenFile("write", localToken(second, "replicate-write"));
      Await.until(
          "dc2 resolves its local token",
          Duration.ofSeconds(30),
          () ->
              status(second.url("/v1/kv/kvexpress/app/checksum"), Files.readString(write)) == 404);
      CliRun admin = CliRun.against(dc1.address()).env("CONSUL_HTTP_TOKEN", MASTER);
      String content = "backend-1\nbackend-2\nbackend-3\nbackend-4\nbackend-5\n";
      assertThat(admin.stdin(content).run("in", "-k", "app", "-l", "5").code()).isZero();

      // Least privilege: the destination's write token is not valid at the source, and the
      // source's read token may not write the destination: both fail closed.
      CliRun replicator = CliRun.against(dc1.address());
      CliRun.Result swapped = replicateOnce(replicator, write, read);
      assertThat(swapped.code()).as(swapped.all()).isOne();
      assertThat(status(second.url("/v1/kv/kvexpress/app/checksum"), MASTER)).isEqualTo(404);

      CliRun.Result ok = replicateOnce(replicator, read, write);
      assertThat(ok.code()).as(ok.all()).isZero();
      assertThat(ok.all())
          .doesNotContain(Files.readString(read))
          .doesNotContain(Files.readString(write));
      HttpResponse<String> replicated =
          Http.get(second.url("/v1/kv/kvexpress/app/checksum?raw"), "X-Consul-Token", MASTER);
      assertThat(replicated.body())
          .isEqualTo(
              Canonicalizer.canonicalize(content.getBytes(StandardCharsets.UTF_8)).checksum());
    } finally {
      if (dc2 != null) {
        dc2.stop();
      }
      dc1.stop();
    }
  }

  /** One {@code replicate --once} pass from dc1 to dc2 with these tokens for each. */
  private static CliRun.Result replicateOnce(CliRun replicator, Path dc1Token, Path dc2Token) {
    return replicator.run(
        "replicate",
        "--from",
        "dc1",
        "--to",
        "dc2",
        "-k",
        "app",
        "-l",
        "5",
        "--once",
        "--token-file-for",
        "dc1=" + dc1Token,
        "--token-file-for",
        "dc2=" + dc2Token);
  }

  private Path tokenFile(String name, String secret) throws Exception {
    Path f = tmp.resolve(name + ".token");
    Files.writeString(f, secret);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    return f;
  }

  private static int status(String url, String token) {
    HttpResponse<String> r = Http.tryGet(url, "X-Consul-Token", token);
    return r == null ? -1 : r.statusCode();
  }

  private static void policy(ConsulAgent agent, String name, String rules) {
    HttpResponse<String> p =
        Http.put(
            agent.url("/v1/acl/policy"),
            "{\"Name\": \"" + name + "\", \"Rules\": " + new Gson().toJson(rules) + "}",
            "X-Consul-Token",
            MASTER);
    assertThat(p.statusCode()).as(p.body()).isEqualTo(200);
  }

  /** A token local to {@code agent}'s datacenter (valid only there) with one policy; its secret. */
  private static String localToken(ConsulAgent agent, String policy) {
    String secret = UUID.randomUUID().toString();
    HttpResponse<String> t =
        Http.put(
            agent.url("/v1/acl/token"),
            "{\"SecretID\": \""
                + secret
                + "\", \"Local\": true, \"Policies\": [{\"Name\": \""
                + policy
                + "\"}]}",
            "X-Consul-Token",
            MASTER);
    assertThat(t.statusCode()).as(t.body()).isEqualTo(200);
    assertThat(JsonParser.parseString(t.body()).getAsJsonObject().get("Local").getAsBoolean())
        .isTrue();
    return secret;
  }
}
