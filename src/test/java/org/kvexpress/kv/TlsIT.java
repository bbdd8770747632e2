package org.kvexpress.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvexpress.agent.DevAgent;
import org.kvexpress.testing.CliRun;
import org.kvexpress.testing.Lines;

/**
 * TLS as Consul's environment configures it (Consul's CLI environment variables): an HTTPS dev
 * agent with a self-signed certificate for 127.0.0.1 and consul.test, made with the JDK's keytool.
 */
@Tag("dev-agent-only")
class TlsIT {
  private static final char[] PASS = "changeit".toCharArray();
  @TempDir static Path certs;
  private static Path caPem;
  private static Path keyPem;
  private static SSLContext serverContext;
  private DevAgent agent;

  @BeforeAll
  static void makeCertificate() throws Exception {
    Path keystore = certs.resolve("server.p12");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    run(
        keytool,
        "-genkeypair",
        "-alias",
        "consul",
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-validity",
        "2",
        "-dname",
        "CN=consul.test",
        "-ext",
        "SAN=ip:127.0.0.1,dns:consul.test",
        "-keystore",
        keystore.toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        "changeit",
        "-keypass",
        "changeit");
    caPem = certs.resolve("ca.pem");
    run(
        keytool,
        "-exportcert",
        "-alias",
        "consul",
        "-rfc",
        "-keystore",
        keystore.toString(),
        "-storepass",
        "changeit",
        "-file",
        caPem.toString());
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      ks.load(in, PASS);
    }
    Key key = ks.getKey("consul", PASS);
    keyPem = certs.resolve("client.key");
    Files.writeString(
        keyPem,
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getEncoded())
            + "\n-----END PRIVATE KEY-----\n");
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, PASS);
    serverContext = SSLContext.getInstance("TLS");
    serverContext.init(kmf.getKeyManagers(), null, null);
  }

  private static void run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
  }

  @BeforeEach
  void start() throws IOException {
    agent = new DevAgent(DevAgent.Config.defaults().withTls(serverContext)).start();
  }

  @AfterEach
  void stop() {
    agent.close();
  }

  private CliRun.Result in(String address, String... env) {
    CliRun cli = CliRun.cli().stdin(Lines.hosts(10));
    for (int i = 0; i + 1 < env.length; i += 2) {
      cli.env(env[i], env[i + 1]);
    }
    return cli.run("in", "-k", "hosts", "-s", address, "--retry-for", "2s");
  }

  @Test
  void httpsWithTheCaFromConsulCacert() {
    CliRun.Result r = in("https://" + agent.address(), "CONSUL_CACERT", caPem.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).contains("result=published");
  }

  @Test
  void consulHttpSslUpgradesAnAddressWithoutScheme() {
    CliRun.Result r =
        in(agent.address(), "CONSUL_HTTP_SSL", "true", "CONSUL_CACERT", caPem.toString());
    assertThat(r.code()).as(r.err()).isZero();
  }

  @Test
  void anUntrustedCertificateFailsAtOnceNamingTls() {
    long start = System.nanoTime();
    CliRun.Result r = in("https://" + agent.address());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .contains("reason=tls")
        .contains("TLS with Consul at https://" + agent.address() + " failed")
        .contains("CONSUL_CACERT");
    assertThat((System.nanoTime() - start) / 1_000_000).as("not retried").isLessThan(1_500);
  }

  @Test
  void verificationOffTrustsAnyCertificate() {
    CliRun.Result r = in("https://" + agent.address(), "CONSUL_HTTP_SSL_VERIFY", "false");
    assertThat(r.code()).as(r.err()).isZero();
  }

  @Test
  void serverNameIsCheckedAgainstTheCertificate() {
    assertThat(
            in(
                    "https://" + agent.address(),
                    "CONSUL_CACERT",
                    caPem.toString(),
                    "CONSUL_TLS_SERVER_NAME",
                    "consul.test")
                .code())
        .isZero();
    CliRun.Result wrong =
        in(
            "https://" + agent.address(),
            "CONSUL_CACERT",
            caPem.toString(),
            "CONSUL_TLS_SERVER_NAME",
            "other.test");
    assertThat(wrong.code()).isEqualTo(1);
    assertThat(wrong.err()).contains("reason=tls");
  }

  @Test
  void clientCertificateAndKeyArePemAndPkcs8() throws IOException {
    assertThat(
            in(
                    "https://" + agent.address(),
                    "CONSUL_CACERT",
                    caPem.toString(),
                    "CONSUL_CLIENT_CERT",
                    caPem.toString(),
                    "CONSUL_CLIENT_KEY",
                    keyPem.toString())
                .code())
        .isZero();
    CliRun.Result half =
        in(
            "https://" + agent.address(),
            "CONSUL_CACERT",
            caPem.toString(),
            "CONSUL_CLIENT_CERT",
            caPem.toString());
    assertThat(half.code()).isEqualTo(2);
    assertThat(half.err())
        .contains("CONSUL_CLIENT_CERT and CONSUL_CLIENT_KEY must be set together");
    Path pkcs1 = certs.resolve("rsa.key");
    Files.write(
        pkcs1, List.of("-----BEGIN RSA PRIVATE KEY-----", "AAAA", "-----END RSA PRIVATE KEY-----"));
    CliRun.Result wrong =
        in(
            "https://" + agent.address(),
            "CONSUL_CACERT",
            caPem.toString(),
            "CONSUL_CLIENT_CERT",
            caPem.toString(),
            "CONSUL_CLIENT_KEY",
            pkcs1.toString());
    assertThat(wrong.code()).isEqualTo(2);
    assertThat(wrong.err()).contains("cannot be read as an RSA, EC or Ed25519 private key");
  }
}
