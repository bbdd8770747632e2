package org.kvexpress.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.kvexpress.agent.RecordedRequest;
import org.kvexpress.testing.Backend;
import org.kvexpress.testing.BackendExtension;
import org.kvexpress.testing.CliRun;
import org.kvexpress.testing.Lines;

/**
 * How every command reaches Consul: address, token precedence and hygiene, retries and their bound.
 */
class ConnectionIT {
  private static final String TOKEN = "5ec2e700-70ce-4f1d-9a8b-00000000c0de";
  @RegisterExtension static final BackendExtension BACKEND = BackendExtension.withAcl(TOKEN);
  private Backend agent;
  @TempDir Path tmp;

  @BeforeEach
  void start(Backend backend) throws IOException {
    agent = backend;
  }

  /** A port that was free a moment ago and has nothing listening on it now. */
  private static int deadPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void unreachableConsulFailsWithin1AfterTheRetryBoundNamingTheAddress() throws IOException {
    int deadPort = deadPort();
    long start = System.nanoTime();
    CliRun.Result r =
        CliRun.cli()
            .stdin(Lines.hosts(10))
            .run("in", "-k", "hosts", "-s", "127.0.0.1:" + deadPort, "--retry-for", "3s");
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .containsPattern(
            "cannot reach Consul at 127.0.0.1:"
                + deadPort
                + ": connection refused \\(\\d+ attempts in [\\d.]+ s\\)");
    assertThat(ms).isBetween(2_000L, 8_000L);
  }

  /** The 20 s default itself; how the budget is spent is RetrierTest's, on a fake clock. */
  @Test
  void defaultRetryBoundIs20Seconds() {
    assertThat(ConsulSettings.DEFAULT_RETRY_FOR).isEqualTo(Duration.ofSeconds(20));
    assertThat(CliRun.cli().run("in", "--help").out())
        .containsPattern("--retry-for[^\\n]*\\n?[^\\n]*20s");
  }

  @Test
  void wrongTokenFailsWith1AndTheTokenAppearsNowhere() {
    String wrong = "wr0ng-t0ken-9a8b";
    CliRun.Result r =
        CliRun.against(agent.address())
            .stdin(Lines.hosts(10))
            .run("in", "-k", "hosts", "-t", wrong, "-v");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .contains("result=failed reason=acl_denied")
        .contains("the ACL token was not found");
    assertThat(r.all()).doesNotContain(wrong).doesNotContain(wrong.substring(0, 8));
  }

  @Test
  void anonymousIsDeniedNamingTheKeyAndPermission() {
    CliRun.Result r =
        CliRun.against(agent.address()).stdin(Lines.hosts(10)).run("in", "-k", "hosts");
    assertThat(r.code()).isEqualTo(1);
    // Anonymous list reads are filtered to nothing, so the denial surfaces in the transaction.
    // Consul 1.8.7 says only "Permission denied"; newer releases (and the dev agent) add which
    // token lacked what.
    assertThat(r.err())
        .contains("reason=acl_denied")
        .containsPattern("Consul denied [a-z-]+ of kvexpress/hosts/")
        .contains("the ACL token lacks key:")
        .contains("Permission denied");
  }

  @Test
  void noTokenMeansNoTokenHeader() {
    CliRun.against(agent.address()).stdin(Lines.hosts(10)).run("in", "-k", "hosts");
    assertThat(agent.requests())
        .isNotEmpty()
        .allSatisfy(q -> assertThat(q.headers()).doesNotContainKey("x-consul-token"));
  }

  @Test
  void tokenTravelsOnlyInTheHeader() {
    CliRun.Result r =
        CliRun.against(agent.address())
            .stdin(Lines.hosts(10))
            .run("in", "-k", "hosts", "-t", TOKEN);
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.all()).doesNotContain(TOKEN);
    assertThat(agent.requests())
        .isNotEmpty()
        .allSatisfy(
            (RecordedRequest q) -> {
              assertThat(q.rawQuery() == null ? "" : q.rawQuery()).doesNotContain("token");
              assertThat(q.header("X-Consul-Token")).isEqualTo(TOKEN);
            });
  }

  @Test
  void tokenPrecedenceFileThenFlagThenEnvFileThenEnv() throws IOException {
    Path good = tmp.resolve("good");
    Files.writeString(good, TOKEN + "\n");
    Files.setPosixFilePermissions(good, PosixFilePermissions.fromString("rw-------"));
    Path bad = tmp.resolve("bad");
    Files.writeString(bad, "nope\n");
    CliRun base = CliRun.against(agent.address()).stdin(Lines.hosts(10));
    assertThat(base.run("in", "-k", "a", "--token-file", good.toString(), "-t", "nope").code())
        .as("--token-file beats -t")
        .isZero();
    assertThat(
            CliRun.against(agent.address())
                .stdin(Lines.hosts(10))
                .env("CONSUL_HTTP_TOKEN_FILE", bad.toString())
                .run("in", "-k", "b", "-t", TOKEN)
                .code())
        .as("-t beats CONSUL_HTTP_TOKEN_FILE")
        .isZero();
    assertThat(
            CliRun.against(agent.address())
                .stdin(Lines.hosts(10))
                .env("CONSUL_HTTP_TOKEN_FILE", good.toString())
                .env("CONSUL_HTTP_TOKEN", "nope")
                .run("in", "-k", "c")
                .code())
        .as("env file beats env token")
        .isZero();
    assertThat(
            CliRun.against(agent.address())
                .stdin(Lines.hosts(10))
                .env("CONSUL_HTTP_TOKEN", TOKEN)
                .run("in", "-k", "d")
                .code())
        .as("env token")
        .isZero();
  }

  @Test
  void sharedTokenFileDrawsAWarningAndMissingFileIsUsage() throws IOException {
    Path shared = tmp.resolve("shared");
    Files.writeString(shared, TOKEN);
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rw-r--r--"));
    CliRun.Result r =
        CliRun.against(agent.address())
            .stdin(Lines.hosts(10))
            .run("in", "-k", "a", "--token-file", shared.toString());
    assertThat(r.code()).isZero();
    assertThat(r.err()).contains("token file is readable by group or others").contains("chmod 600");
    assertThat(r.all()).doesNotContain(TOKEN);
    CliRun.Result missing =
        CliRun.against(agent.address())
            .stdin(Lines.hosts(10))
            .run("in", "-k", "a", "--token-file", tmp.resolve("none").toString());
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).contains("does not exist");
  }

  @Test
  void serverFlagBeatsTheEnvironmentAndSchemesAreAccepted() {
    CliRun.Result r =
        CliRun.cli()
            .env("CONSUL_HTTP_ADDR", "127.0.0.1:1")
            .env("CONSUL_HTTP_TOKEN", TOKEN)
            .stdin(Lines.hosts(10))
            .run("in", "-k", "a", "-s", "http://" + agent.address());
    assertThat(r.code()).as(r.err()).isZero();
    CliRun.Result bad =
        CliRun.cli().stdin(Lines.hosts(10)).run("in", "-k", "a", "-s", "gopher://x:1");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("unknown scheme \"gopher\"");
  }

  @Test
  void datacenterIsSentAsDc() {
    CliRun.Result r =
        CliRun.against(agent.address())
            .env("CONSUL_HTTP_TOKEN", TOKEN)
            .stdin(Lines.hosts(10))
            .run("in", "-k", "a", "--datacenter", "dc9", "--retry-for", "1s");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .contains("knows no datacenter")
        .contains("dc9")
        .contains("check --datacenter");
    assertThat(agent.requests().get(0).query()).containsEntry("dc", "dc9");
  }

  @Test
  void transientFailuresAreRetried() {
    agent.setFailRate(0.3);
    for (int i = 0; i < 5; i++) {
      CliRun.Result r =
          CliRun.against(agent.address())
              .env("CONSUL_HTTP_TOKEN", TOKEN)
              .stdin(Lines.hosts(10 + i))
              .run("in", "-k", "flaky");
      assertThat(r.code()).as(r.err()).isZero();
    }
  }
}
