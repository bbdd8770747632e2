package org.kvexpress.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvexpress.testing.CliRun;
import org.kvexpress.testing.ConsulAgent;
import org.kvexpress.testing.ConsulBinary;
import org.kvexpress.testing.Lines;

/**
 * TLS against a real Consul agent that serves only HTTPS with {@code verify_incoming}: certificates
 * made by {@code consul tls ca create} and {@code consul tls cert create} (SEC1 EC keys), plus
 * PKCS#8 and PKCS#1 RSA client keys made with openssl, as operators have them.
 */
@Tag("real-consul-only")
class ConsulTlsIT {
  @TempDir static Path certs;
  private static ConsulAgent agent;
  private static String address;

  @BeforeAll
  static void startTlsAgent() throws Exception {
    String consul = ConsulBinary.path().toString();
    run(consul, "tls", "ca", "create");
    run(consul, "tls", "cert", "create", "-server", "-dc", "dc1");
    run(consul, "tls", "cert", "create", "-client", "-dc", "dc1");
    // The same client key as PKCS#8, and an RSA client key as PKCS#1 with its certificate from the
    // same CA.
    run(
        "openssl",
        "pkcs8",
        "-topk8",
        "-nocrypt",
        "-in",
        "dc1-client-consul-0-key.pem",
        "-out",
        "client-pkcs8.pem");
    run("openssl", "genrsa", "-traditional", "-out", "rsa-pkcs1.pem", "2048");
    run(
        "openssl",
        "req",
        "-new",
        "-key",
        "rsa-pkcs1.pem",
        "-subj",
        "/CN=client.dc1.consul",
        "-out",
        "rsa.csr");
    run(
        "openssl",
        "x509",
        "-req",
        "-in",
        "rsa.csr",
        "-CA",
        "consul-agent-ca.pem",
        "-CAkey",
        "consul-agent-ca-key.pem",
        "-CAcreateserial",
        "-days",
        "1",
        "-out",
        "rsa.pem");
    Path capath = Files.createDirectories(certs.resolve("capath"));
    Files.copy(certs.resolve("consul-agent-ca.pem"), capath.resolve("ca.pem"));
    // HTTPS only (http -1), on the port the agent's own http port was chosen for.
    agent = ConsulAgent.sharedDev("consul-tls");
    int port = Integer.parseInt(agent.address().substring(agent.address().indexOf(':') + 1));
    agent
        .withConfig(
            "\"ca_file\": \""
                + certs.resolve("consul-agent-ca.pem")
                + "\", \"cert_file\": \""
                + certs.resolve("dc1-server-consul-0.pem")
                + "\", \"key_file\": \""
                + certs.resolve("dc1-server-consul-0-key.pem")
                + "\", \"verify_incoming\": true, \"verify_outgoing\": true")
        .httpsOnly(port)
        .start();
    address = "https://127.0.0.1:" + port;
  }

  @AfterAll
  static void stop() {
    if (agent != null) {
      agent.stop();
    }
  }

  private static void run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).directory(certs.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
  }

  private static CliRun.Result in(String... env) {
    CliRun cli = CliRun.cli().stdin(Lines.hosts(10) + System.nanoTime() + "\n");
    List<String> all = new ArrayList<>(List.of("CONSUL_HTTP_ADDR", address));
    all.addAll(List.of(env));
    for (int i = 0; i + 1 < all.size(); i += 2) {
      cli.env(all.get(i), all.get(i + 1));
    }
    return cli.run("in", "-k", "hosts", "--retry-for", "5s");
  }

  private static String cert(String name) {
    return certs.resolve(name).toString();
  }

  @Test
  void theClientKeysConsulAndOpensslWriteAreAccepted() {
    String ca = cert("consul-agent-ca.pem");
    for (String[] pair :
        List.of(
            new String[] {"dc1-client-consul-0.pem", "dc1-client-consul-0-key.pem"},
            new String[] {"dc1-client-consul-0.pem", "client-pkcs8.pem"},
            new String[] {"rsa.pem", "rsa-pkcs1.pem"})) {
      CliRun.Result r =
          in(
              "CONSUL_CACERT",
              ca,
              "CONSUL_CLIENT_CERT",
              cert(pair[0]),
              "CONSUL_CLIENT_KEY",
              cert(pair[1]));
      assertThat(r.code()).as(pair[1] + ": " + r.err()).isZero();
      assertThat(r.err()).contains("result=published");
    }
  }

  @Test
  void capathIsADirectoryOfCaCertificates() {
    CliRun.Result r =
        in(
            "CONSUL_CAPATH",
            cert("capath"),
            "CONSUL_CLIENT_CERT",
            cert("dc1-client-consul-0.pem"),
            "CONSUL_CLIENT_KEY",
            cert("dc1-client-consul-0-key.pem"));
    assertThat(r.code()).as(r.err()).isZero();
  }

  @Test
  void aMissingClientCertificateFailsAtOnceAsATlsProblem() {
    for (int i = 0; i < 5; i++) {
      long start = System.nanoTime();
      CliRun.Result r = in("CONSUL_CACERT", cert("consul-agent-ca.pem"));
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err())
          .contains("reason=tls")
          .contains("requires a TLS client certificate")
          .contains("CONSUL_CLIENT_CERT")
          .doesNotContain("connection reset");
      assertThat((System.nanoTime() - start) / 1_000_000).as("not retried").isLessThan(2_500);
    }
  }

  @Test
  void aRejectedClientCertificateIsNamed() throws Exception {
    // A client certificate from another CA: Consul's verify_incoming refuses it.
    Path other = Files.createDirectories(certs.resolve("other"));
    Process p =
        new ProcessBuilder(ConsulBinary.path().toString(), "tls", "ca", "create")
            .directory(other.toFile())
            .redirectErrorStream(true)
            .start();
    p.getInputStream().readAllBytes();
    assertThat(p.waitFor()).isZero();
    p =
        new ProcessBuilder(ConsulBinary.path().toString(), "tls", "cert", "create", "-client")
            .directory(other.toFile())
            .redirectErrorStream(true)
            .start();
    p.getInputStream().readAllBytes();
    assertThat(p.waitFor()).isZero();
    CliRun.Result r =
        in(
            "CONSUL_CACERT",
            cert("consul-agent-ca.pem"),
            "CONSUL_CLIENT_CERT",
            other.resolve("dc1-client-consul-0.pem").toString(),
            "CONSUL_CLIENT_KEY",
            other.resolve("dc1-client-consul-0-key.pem").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("reason=tls").contains("rejected the TLS client certificate");
  }

  @Test
  void aServerNameMismatchNamesTheExpectedName() {
    CliRun.Result r =
        in(
            "CONSUL_CACERT",
            cert("consul-agent-ca.pem"),
            "CONSUL_CLIENT_CERT",
            cert("dc1-client-consul-0.pem"),
            "CONSUL_CLIENT_KEY",
            cert("dc1-client-consul-0-key.pem"),
            "CONSUL_TLS_SERVER_NAME",
            "consul.example.test");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .contains("reason=tls")
        .contains("not for consul.example.test (CONSUL_TLS_SERVER_NAME)")
        .contains("server.dc1.consul");
    CliRun.Result right =
        in(
            "CONSUL_CACERT",
            cert("consul-agent-ca.pem"),
            "CONSUL_CLIENT_CERT",
            cert("dc1-client-consul-0.pem"),
            "CONSUL_CLIENT_KEY",
            cert("dc1-client-consul-0-key.pem"),
            "CONSUL_TLS_SERVER_NAME",
            "server.dc1.consul");
    assertThat(right.code()).as(right.err()).isZero();
  }

  @Test
  void aVerifySettingThatIsNotABooleanIsRefusedNeverReadAsOff() {
    for (String v : List.of("yes", "on", "verify")) {
      CliRun.Result r =
          in("CONSUL_CACERT", cert("consul-agent-ca.pem"), "CONSUL_HTTP_SSL_VERIFY", v);
      assertThat(r.code()).as(v).isEqualTo(2);
      assertThat(r.err()).contains("CONSUL_HTTP_SSL_VERIFY=" + v + " is not a boolean");
    }
    CliRun.Result ssl =
        CliRun.cli()
            .stdin(Lines.hosts(10))
            .env("CONSUL_HTTP_ADDR", "127.0.0.1:1")
            .env("CONSUL_HTTP_SSL", "yes")
            .run("in", "-k", "hosts");
    assertThat(ssl.code()).isEqualTo(2);
    assertThat(ssl.err()).contains("CONSUL_HTTP_SSL=yes is not a boolean");
  }
}
