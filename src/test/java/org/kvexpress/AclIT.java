package org.kvexpress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.kvexpress.testing.Backend;
import org.kvexpress.testing.BackendExtension;
import org.kvexpress.testing.CliRun;
import org.kvexpress.testing.ConsulAgent;
import org.kvexpress.testing.ConsulBackend;
import org.kvexpress.testing.ConsulBinary;
import org.kvexpress.testing.Http;
import org.kvexpress.testing.Lines;

/**
 * Least privilege on real Consul with {@code default_policy = "deny"}: the three roles of
 * docs/acl.md (their rules are read from examples/acl-policies, so the document's policies are the
 * ones tested), and every way a token that may not read a key must fail closed (exit 1, never
 * softened) instead of reading the key as absent. Only real Consul has per-key policies.
 */
@Tag("real-consul-only")
class AclIT {
  private static final String ADMIN = "ac100000-0000-4000-8000-00000000ad01";
  @RegisterExtension static final BackendExtension BACKEND = BackendExtension.withAcl(ADMIN);
  private Backend consul;
  @TempDir Path tmp;
  private Path file;

  @BeforeEach
  void start(Backend backend) throws IOException {
    consul = backend;
    file = tmp.resolve("etc/hosts.consul");
  }

  private static String policy(String role) throws IOException {
    return Files.readString(
            ConsulBinary.projectRoot().resolve("examples/acl-policies/" + role + ".hcl"))
        .replace("NODE", "node-1");
  }

  private String token(String rules) {
    return ConsulBackend.createToken(rules);
  }

  /** A CLI run with this token in a 0600 token file, as docs/reference.md recommends. */
  private CliRun as(String token) throws IOException {
    Path f = Files.createTempFile(tmp, "token", "");
    Files.writeString(f, token);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    return CliRun.against(consul.address()).env("CONSUL_HTTP_TOKEN_FILE", f.toString());
  }

  private CliRun admin() {
    return CliRun.against(consul.address()).env("CONSUL_HTTP_TOKEN", ADMIN);
  }

  private void publish(String content) {
    CliRun.Result r = admin().stdin(content).run("in", "-k", "hosts");
    assertThat(r.code()).as(r.err()).isZero();
  }

  private static void assertDenied(
      CliRun.Result r, String key, String permission, String... tokens) {
    assertDenied(r, 1, key, permission, tokens);
  }

  private static void assertDenied(
      CliRun.Result r, int code, String key, String permission, String... tokens) {
    assertThat(r.code()).as(r.err()).isEqualTo(code);
    assertThat(r.err()).contains("reason=acl_denied").contains(key).contains(permission);
    for (String t : tokens) {
      assertThat(r.all()).doesNotContain(t);
    }
  }

  @Test
  void theAclDocumentShowsExactlyThesePolicies() throws IOException {
    String readme = Files.readString(ConsulBinary.projectRoot().resolve("docs/acl.md"));
    for (String role : List.of("publisher", "node", "auditor")) {
      String file =
          Files.readString(
              ConsulBinary.projectRoot().resolve("examples/acl-policies/" + role + ".hcl"));
      assertThat(readme).as(role).contains("```hcl\n" + file.strip() + "\n```");
    }
  }

  @Test
  void publisherRoleDoesWhatItsPolicySays() throws IOException {
    String publisher = token(policy("publisher"));
    assertThat(as(publisher).stdin(Lines.hosts(12)).run("in", "-k", "hosts").code()).isZero();
    assertThat(as(publisher).stdin(Lines.hosts(13)).run("in", "-k", "hosts").code()).isZero();
    assertThat(as(publisher).run("stop", "-k", "hosts", "-r", "drill").code()).isZero();
    assertThat(as(publisher).run("resume", "-k", "hosts").code()).isZero();
    assertThat(as(publisher).run("copy", "--from", "hosts", "--to", "hosts-copy").code()).isZero();
    assertThat(as(publisher).run("rollback", "-k", "hosts").code()).isZero();
    assertThat(as(publisher).run("diff", "-k", "hosts").code()).as("differ, as diff(1)").isOne();
    assertThat(as(publisher).run("status").code()).isZero();
    CliRun.Result lock = as(publisher).run("lock", "-f", file.toString(), "-r", "not mine");
    assertDenied(lock, "kvexpress/locks/", "key:write", publisher);
  }

  @Test
  void nodeRoleAppliesReportsAndLocksButCannotPublishOrStop() throws IOException {
    publish(Lines.hosts(11));
    publish(Lines.hosts(12));
    String node = token(policy("node"));
    CliRun.Result out =
        as(node).hostname("node-1").run("out", "-k", "hosts", "-f", file.toString(), "--report");
    assertThat(out.code()).as(out.err()).isZero();
    assertThat(out.err())
        .contains("result=applied")
        .doesNotContain("could not write the node report");
    assertThat(
            Http.get(consul.url("/v1/kv/kvexpress/hosts/nodes/node-1"), "X-Consul-Token", ADMIN)
                .statusCode())
        .isEqualTo(200);
    assertThat(as(node).hostname("node-1").run("lock", "-f", file.toString(), "-r", "drill").code())
        .isZero();
    assertThat(as(node).hostname("node-1").run("unlock", "-f", file.toString()).code()).isZero();
    assertDenied(
        as(node).stdin(Lines.hosts(14)).run("in", "-k", "hosts"),
        "kvexpress/hosts/",
        "key:write",
        node);
    assertDenied(
        as(node).run("stop", "-k", "hosts", "-r", "no"), "kvexpress/hosts/stop", "key:write", node);
    assertDenied(as(node).run("rollback", "-k", "hosts"), "kvexpress/hosts/", "key:write", node);
  }

  /**
   * The rollout brakes with the node policy: a session on its own Consul node, the key's slots, its
   * checks; without the session rule the slot fails closed naming session:write.
   */
  @Test
  void nodeRoleTakesAReloadSlotAndReadsItsChecks() throws IOException {
    publish(Lines.hosts(11));
    String node = "consul-acl"; // the Consul node name of the ACL agent
    Http.put(
        consul.url("/v1/agent/service/register"),
        "{\"Name\": \"web\", \"Check\": {\"CheckID\": \"web-ttl\", \"TTL\": \"10m\","
            + " \"Status\": \"passing\"}}",
        "X-Consul-Token",
        ADMIN);
    String rules = policy("node").replace("node-1", node);
    CliRun.Result out =
        as(token(rules))
            .hostname(node)
            .run(
                "out",
                "-k",
                "hosts",
                "-f",
                file.toString(),
                "--report",
                "--reload-slots",
                "1",
                "--health-service",
                "web",
                "--settle",
                "1s");
    assertThat(out.code()).as(out.err()).isZero();
    assertThat(out.err()).contains("result=applied").contains("healthy_ms=");
    String noSession = rules.replace("session \"" + node + "\"", "session \"elsewhere\"");
    publish(Lines.hosts(12));
    assertDenied(
        as(token(noSession))
            .hostname(node)
            .run("out", "-k", "hosts", "-f", file.toString(), "--reload-slots", "1"),
        "session",
        "session:write");
    String noChecks = rules.replace("service_prefix \"\"", "service_prefix \"db\"");
    CliRun.Result blind =
        as(token(noChecks))
            .hostname(node)
            .run("out", "-k", "hosts", "-f", file.toString(), "--health-service", "web");
    assertThat(blind.code()).as(blind.err()).isOne();
    assertThat(blind.err()).contains("no check of service 'web'");
  }

  @Test
  void auditorRoleReadsStatusAndDiff() throws IOException {
    publish(Lines.hosts(12));
    publish(Lines.hosts(13));
    String auditor = token(policy("auditor"));
    assertThat(as(auditor).run("status").out()).contains("hosts");
    assertThat(as(auditor).run("status", "-k", "hosts", "--json").code()).isZero();
    assertThat(as(auditor).run("diff", "-k", "hosts").code()).as("differ, as diff(1)").isOne();
    assertDenied(
        as(auditor).stdin(Lines.hosts(14)).run("in", "-k", "hosts"),
        "kvexpress/hosts/",
        "key:write",
        auditor);
  }

  @Test
  void aStopKeyTheTokenMayNotReadHaltsOutAsAFailureNeverAnApply() throws IOException {
    publish(Lines.hosts(12));
    assertThat(admin().run("stop", "-k", "hosts", "-r", "bad deploy").code()).isZero();
    String noStop =
        token(
            "key \"kvexpress/hosts/data\" { policy = \"read\" }\n"
                + "key \"kvexpress/hosts/checksum\" { policy = \"read\" }\nkey \"kvexpress/hosts/meta\" { policy = \"read\" }\n"
                + "key_prefix \"kvexpress/locks/\" { policy = \"read\" }\n");
    for (String soft : List.of("--verbose", "--soft")) {
      CliRun.Result r = as(noStop).run("out", "-k", "hosts", "-f", file.toString(), soft);
      assertDenied(r, "kvexpress/hosts/stop", "key:read", noStop);
    }
    assertThat(file).doesNotExist();
  }

  @Test
  void aLockTheTokenMayNotReadHaltsOutAsAFailure() throws IOException {
    publish(Lines.hosts(12));
    assertThat(
            admin().hostname("node-1").run("lock", "-f", file.toString(), "-r", "debugging").code())
        .isZero();
    String scoped = token("key_prefix \"kvexpress/hosts/\" { policy = \"read\" }\n");
    CliRun.Result r =
        as(scoped).hostname("node-1").run("out", "-k", "hosts", "-f", file.toString(), "--soft");
    assertDenied(r, "kvexpress/locks/", "key:read", scoped);
    assertThat(file).doesNotExist();
  }

  @Test
  void aCurrentFileNeedsNoStopOrLockCheck() throws IOException {
    publish(Lines.hosts(12));
    assertThat(admin().run("out", "-k", "hosts", "-f", file.toString()).code()).isZero();
    String scoped = token("key_prefix \"kvexpress/hosts/\" { policy = \"read\" }\n");
    CliRun.Result r = as(scoped).run("out", "-k", "hosts", "-f", file.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).contains("result=current");
  }

  @Test
  void deniedIsNeverNothingPublished() throws IOException {
    publish(Lines.hosts(12));
    publish(Lines.hosts(13));
    String elsewhere = token("key_prefix \"other/\" { policy = \"write\" }\n");
    for (CliRun cli : List.of(as(elsewhere), CliRun.against(consul.address()))) {
      assertDenied(
          cli.run("out", "-k", "hosts", "-f", file.toString(), "--soft"),
          "kvexpress/hosts/data",
          "key:read",
          elsewhere);
      assertDenied(cli.run("rollback", "-k", "hosts"), "kvexpress/hosts/", "key:read", elsewhere);
      assertDenied(
          cli.run("copy", "--from", "hosts", "--to", "x"),
          "kvexpress/hosts/data",
          "key:read",
          elsewhere);
      // diff says trouble as diff(1) does: 2.
      assertDenied(
          cli.run("diff", "-k", "hosts"), 2, "kvexpress/hosts/data", "key:read", elsewhere);
      assertDenied(cli.run("status"), "kvexpress/", "key:read", elsewhere);
      assertDenied(cli.run("status", "-k", "hosts"), "kvexpress/hosts/", "key:read", elsewhere);
    }
    assertThat(file).doesNotExist();
  }

  @Test
  void aDeniedStopGuardNamesItsVerbKeyAndPermission() throws IOException {
    // May write the data keys but not the stop key: in's check-not-exists guard is what Consul
    // denies.
    String noStopWrite =
        token(
            "key_prefix \"kvexpress/hosts/\" { policy = \"write\" }\n"
                + "key \"kvexpress/hosts/stop\" { policy = \"read\" }\n");
    CliRun.Result r = as(noStopWrite).stdin(Lines.hosts(12)).run("in", "-k", "hosts");
    assertDenied(r, "check-not-exists of kvexpress/hosts/stop", "key:write", noStopWrite);
    assertThat(r.err()).contains("authorises this guard as a write");
  }

  @Test
  void withTheKeyListPolicyStatusNeedsListOnlyOnTheKeysFolder() throws IOException {
    try (ConsulAgent listed =
        ConsulAgent.sharedDev("consul-list")
            .withConfig(
                "\"acl\": {\"enabled\": true, \"default_policy\": \"deny\", \"enable_key_list_policy\": true, "
                    + "\"tokens\": {\""
                    + (ConsulBinary.atLeast(1, 11) ? "initial_management" : "master")
                    + "\": \""
                    + ADMIN
                    + "\"}}")
            .start()) {
      listed.awaitLeader(Duration.ofSeconds(30));
      CliRun admin = CliRun.against(listed.address()).env("CONSUL_HTTP_TOKEN", ADMIN);
      assertThat(admin.stdin(Lines.hosts(12)).run("in", "-k", "hosts").code()).isZero();
      String keyOnly =
          ConsulBackend.createToken(
              listed, ADMIN, "key_prefix \"kvexpress/hosts/\" { policy = \"list\" }\n");
      CliRun.Result one =
          CliRun.against(listed.address())
              .env("CONSUL_HTTP_TOKEN", keyOnly)
              .run("status", "-k", "hosts");
      assertThat(one.code()).as(one.err()).isZero();
      CliRun.Result all =
          CliRun.against(listed.address()).env("CONSUL_HTTP_TOKEN", keyOnly).run("status");
      assertDenied(all, "kvexpress/", "key:list", keyOnly);
    }
  }
}
