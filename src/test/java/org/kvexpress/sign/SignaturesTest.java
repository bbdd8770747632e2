package org.kvexpress.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Reason;

class SignaturesTest {
  @TempDir Path tmp;

  private static final KeyLayout HOSTS = new KeyLayout("kvexpress", "hosts");
  private static final String SUM = "a".repeat(64);

  private static Reason reasonOf(Runnable r) {
    try {
      r.run();
      return null;
    } catch (KvexpressException e) {
      return e.reason();
    }
  }

  @Test
  void aStatementVerifiesOnlyUnchangedByTheKeyThatSignedIt() throws Exception {
    KeyGenerator.Generated ops = KeyGenerator.generate(tmp, "ops");
    KeyGenerator.Generated evil = KeyGenerator.generate(tmp.resolve("x"), "evil");
    SigningKey key = SigningKey.load(ops.privateKey());
    assertThat(key.fingerprint())
        .as("derived from the private key alone")
        .isEqualTo(ops.fingerprint());
    SignedStatement s = key.sign(HOSTS, SUM, "2026-11-30T12:00:00Z", "root@pub");
    TrustedKeys trusted = TrustedKeys.load(List.of(ops.publicKey()));
    assertThat(trusted.verify(s.toJson(), HOSTS, SUM)).isEqualTo(s);
    assertThat(reasonOf(() -> trusted.verify(s.toJson(), HOSTS, "b".repeat(64))))
        .isEqualTo(Reason.BAD_SIGNATURE);
    assertThat(reasonOf(() -> trusted.verify(s.toJson(), new KeyLayout("kvexpress", "other"), SUM)))
        .isEqualTo(Reason.BAD_SIGNATURE);
    assertThat(reasonOf(() -> trusted.verify(null, HOSTS, SUM))).isEqualTo(Reason.UNSIGNED);
    assertThat(
            reasonOf(
                () -> TrustedKeys.load(List.of(evil.publicKey())).verify(s.toJson(), HOSTS, SUM)))
        .isEqualTo(Reason.UNTRUSTED_SIGNER);
    SignedStatement later =
        new SignedStatement(
            s.format(),
            s.prefix(),
            s.key(),
            s.checksum(),
            "2027-01-01T00:00:00Z",
            s.publisher(),
            s.signer(),
            s.fingerprint(),
            s.signature());
    assertThat(reasonOf(() -> trusted.verify(later.toJson(), HOSTS, SUM)))
        .as("time altered")
        .isEqualTo(Reason.BAD_SIGNATURE);
    // A statement signed by another key that claims the trusted key's fingerprint.
    SignedStatement claimed = SigningKey.load(evil.privateKey()).sign(HOSTS, SUM, s.time(), "x");
    SignedStatement impostor =
        new SignedStatement(
            claimed.format(),
            claimed.prefix(),
            claimed.key(),
            claimed.checksum(),
            claimed.time(),
            claimed.publisher(),
            "ops",
            ops.fingerprint(),
            claimed.signature());
    assertThat(reasonOf(() -> trusted.verify(impostor.toJson(), HOSTS, SUM)))
        .isEqualTo(Reason.BAD_SIGNATURE);
  }

  @Test
  void openSslEd25519KeysWork() throws Exception {
    Path priv = tmp.resolve("ossl.key");
    Path pub = tmp.resolve("ossl.pub");
    Process p1 =
        new ProcessBuilder("openssl", "genpkey", "-algorithm", "ed25519", "-out", priv.toString())
            .redirectErrorStream(true)
            .start();
    assertThat(p1.waitFor()).isZero();
    Process p2 =
        new ProcessBuilder(
                "openssl", "pkey", "-in", priv.toString(), "-pubout", "-out", pub.toString())
            .redirectErrorStream(true)
            .start();
    assertThat(p2.waitFor()).isZero();
    SignedStatement s = SigningKey.load(priv).sign(HOSTS, SUM, "2026-11-30T12:00:00Z", "p");
    assertThat(TrustedKeys.load(List.of(tmp)).verify(s.toJson(), HOSTS, SUM).signer())
        .isEqualTo("ossl");
  }

  @Test
  void badKeyFilesAreUsageErrors() throws Exception {
    Files.writeString(tmp.resolve("junk.pub"), "hello");
    assertThatThrownBy(() -> TrustedKeys.load(List.of(tmp.resolve("junk.pub"))))
        .hasMessageContaining("holds no PEM 'PUBLIC KEY' block");
    assertThatThrownBy(() -> TrustedKeys.load(List.of(tmp.resolve("empty-dir-that-is-missing"))))
        .hasMessageContaining("cannot read key file");
    Files.createDirectories(tmp.resolve("none"));
    assertThatThrownBy(() -> TrustedKeys.load(List.of(tmp.resolve("none"))))
        .hasMessageContaining("holds no public key");
    KeyGenerator.Generated g = KeyGenerator.generate(tmp.resolve("k"), "k");
    assertThatThrownBy(() -> SigningKey.load(g.publicKey()))
        .hasMessageContaining("holds no PEM 'PRIVATE KEY' block");
    assertThatThrownBy(() -> KeyGenerator.generate(tmp.resolve("k"), "k"))
        .hasMessageContaining("exists");
  }
}
