package org.kvexpress;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kvexpress.core.Canonicalizer;
import org.kvexpress.core.Checksum;
import org.kvexpress.testing.AgentTest;
import org.kvexpress.testing.CliRun;
import org.kvexpress.testing.Http;
import org.kvexpress.testing.Lines;
import org.kvexpress.testing.Store;

/**
 * Signed publishes end to end: keys from {@code keygen}, {@code in --sign-key}, and nodes that
 * apply only what a trusted key signed ({@code out --trust-key}). The attacks are done the way an
 * attacker with KV write would do them: by writing Consul's keys directly, with valid checksums.
 */
class SignedPublishIT extends AgentTest {
  private Path keys;
  private Path file;

  @BeforeEach
  void keys() {
    keys = tmp.resolve("keys");
    assertThat(cli().run("keygen", "--out", keys.toString(), "--name", "ops").code()).isZero();
    assertThat(
            cli().run("keygen", "--out", tmp.resolve("other").toString(), "--name", "evil").code())
        .isZero();
    file = tmp.resolve("hosts");
  }

  /**
   * How far ahead of the system clock the commands' clock runs: time passes for them, not for the
   * test.
   */
  private Duration ahead = Duration.ZERO;

  private CliRun cli() {
    return CliRun.against(agent.address()).later(ahead);
  }

  private CliRun.Result in(String key, String content, String... args) {
    List<String> all = new ArrayList<>(List.of("in", "-k", key));
    all.addAll(List.of(args));
    return cli().stdin(content).run(all.toArray(new String[0]));
  }

  private CliRun.Result out(String key, String... args) {
    List<String> all = new ArrayList<>(List.of("out", "-k", key, "-f", file.toString()));
    all.addAll(List.of(args));
    return cli().run(all.toArray(new String[0]));
  }

  private String opsKey() {
    return keys.resolve("ops.key").toString();
  }

  private String opsPub() {
    return keys.resolve("ops.pub").toString();
  }

  private void put(String key, byte[] value) {
    assertThat(Http.put(agent.url("/v1/kv/" + key), value, Store.auth(agent)).statusCode())
        .isEqualTo(200);
  }

  /** A refusal by a trusted-key check: exit 3, the reason, and the file as it was. */
  private void assertRefused(CliRun.Result r, String reason, String before) throws Exception {
    assertThat(r.code()).as(r.err()).isEqualTo(3);
    assertThat(r.err()).contains("reason=" + reason).contains("the file is left untouched");
    assertThat(Files.readString(file)).isEqualTo(before);
  }

  @Test
  void keygenWritesAPrivateKeyOnlyItsOwnerCanReadAndNeverOverwrites() throws Exception {
    assertThat(
            PosixFilePermissions.toString(Files.getPosixFilePermissions(keys.resolve("ops.key"))))
        .isEqualTo("rw-------");
    assertThat(Files.readString(keys.resolve("ops.key")))
        .startsWith("-----BEGIN PRIVATE KEY-----\n");
    assertThat(Files.readString(keys.resolve("ops.pub")))
        .startsWith("-----BEGIN PUBLIC KEY-----\n");
    byte[] before = Files.readAllBytes(keys.resolve("ops.key"));
    CliRun.Result again = cli().run("keygen", "--out", keys.toString(), "--name", "ops");
    assertThat(again.code()).isEqualTo(2);
    assertThat(again.err()).contains("exists; keygen never overwrites a key");
    assertThat(Files.readAllBytes(keys.resolve("ops.key"))).isEqualTo(before);
  }

  @Test
  void aSignedVersionAppliesAndStatusSaysWhoSignedIt() throws Exception {
    CliRun.Result published = in("hosts", Lines.hosts(12), "--sign-key", opsKey());
    assertThat(published.code()).as(published.err()).isZero();
    JsonObject statement =
        JsonParser.parseString(Store.get(agent, "kvexpress/hosts/signature").text())
            .getAsJsonObject();
    assertThat(statement.get("prefix").getAsString()).isEqualTo("kvexpress");
    assertThat(statement.get("key").getAsString()).isEqualTo("hosts");
    assertThat(statement.get("checksum").getAsString())
        .isEqualTo(Store.get(agent, "kvexpress/hosts/checksum").text());
    assertThat(statement.get("signer").getAsString()).isEqualTo("ops");
    assertThat(statement.get("publisher").getAsString()).endsWith("@node-1");
    CliRun.Result applied = out("hosts", "--trust-key", opsPub());
    assertThat(applied.code()).as(applied.err()).isZero();
    assertThat(Files.readString(file))
        .isEqualTo(
            new String(
                Canonicalizer.canonicalize(Lines.hosts(12).getBytes()).bytes(),
                StandardCharsets.UTF_8));
    assertThat(cli().run("status").out())
        .containsPattern(
            "hosts: signed by ops \\(sha256:[0-9a-f]{16}\\) at \\S+Z by " + "\\S+@node-1");
    // Plain nodes (and Go kvexpress) are unaffected: the signature lives beside the data.
    assertThat(out("hosts").code()).isZero();
  }

  @Test
  void forgedDataWithAValidChecksumIsRefused() throws Exception {
    assertThat(in("hosts", Lines.hosts(12), "--sign-key", opsKey()).code()).isZero();
    assertThat(out("hosts", "--trust-key", opsPub()).code()).isZero();
    String before = Files.readString(file);
    byte[] forged = (Lines.hosts(12) + "6.6.6.6 evil\n").getBytes(StandardCharsets.UTF_8);
    put("kvexpress/hosts/data", forged);
    put("kvexpress/hosts/checksum", Checksum.sha256Hex(forged).getBytes(StandardCharsets.UTF_8));
    CliRun.Result r = out("hosts", "--trust-key", opsPub());
    assertRefused(r, "bad_signature", before);
    assertThat(r.err()).contains("signs checksum").contains("but the published checksum is");
    // --soft turns the refusal into 0 for hooks; the file is still untouched.
    assertThat(
            cli()
                .run("--soft", "out", "-k", "hosts", "-f", file.toString(), "--trust-key", opsPub())
                .code())
        .isZero();
    assertThat(Files.readString(file)).isEqualTo(before);
  }

  @Test
  void aSignatureCopiedFromAnotherKeyIsRefused() throws Exception {
    assertThat(in("hosts", Lines.hosts(12), "--sign-key", opsKey()).code()).isZero();
    assertThat(out("hosts", "--trust-key", opsPub()).code()).isZero();
    String before = Files.readString(file);
    // The attacker publishes its data under another key with a valid signature of that key...
    assertThat(in("other", Lines.hosts(30), "--sign-key", opsKey()).code()).isZero();
    // ...and moves data, checksum and signature over.
    for (String part : List.of("data", "checksum", "signature")) {
      put("kvexpress/hosts/" + part, Store.get(agent, "kvexpress/other/" + part).bytes());
    }
    CliRun.Result r = out("hosts", "--trust-key", opsPub());
    assertRefused(r, "bad_signature", before);
    assertThat(r.err()).contains("was signed for kvexpress/other/, not kvexpress/hosts/");
  }

  @Test
  void aTruncatedOrAlteredSignatureIsRefused() throws Exception {
    assertThat(in("hosts", Lines.hosts(12), "--sign-key", opsKey()).code()).isZero();
    assertThat(out("hosts", "--trust-key", opsPub()).code()).isZero();
    assertThat(in("hosts", Lines.hosts(14), "--sign-key", opsKey()).code()).isZero();
    String before = Files.readString(file);
    String statement = Store.get(agent, "kvexpress/hosts/signature").text();
    put(
        "kvexpress/hosts/signature",
        statement.substring(0, statement.length() / 2).getBytes(StandardCharsets.UTF_8));
    assertRefused(out("hosts", "--trust-key", opsPub()), "bad_signature", before);
    // A complete statement whose signature lost its last bytes.
    JsonObject o = JsonParser.parseString(statement).getAsJsonObject();
    byte[] sig = Base64.getDecoder().decode(o.get("signature").getAsString());
    o.addProperty("signature", Base64.getEncoder().encodeToString(Arrays.copyOf(sig, 40)));
    put("kvexpress/hosts/signature", o.toString().getBytes(StandardCharsets.UTF_8));
    CliRun.Result r = out("hosts", "--trust-key", opsPub());
    assertRefused(r, "bad_signature", before);
    assertThat(r.err()).contains("does not verify");
    // The statement altered to claim another publisher, the signature kept.
    o = JsonParser.parseString(statement).getAsJsonObject();
    o.addProperty("publisher", "trusted@admin");
    put("kvexpress/hosts/signature", o.toString().getBytes(StandardCharsets.UTF_8));
    assertRefused(out("hosts", "--trust-key", opsPub()), "bad_signature", before);
    // The genuine statement back: it applies.
    put("kvexpress/hosts/signature", statement.getBytes(StandardCharsets.UTF_8));
    assertThat(out("hosts", "--trust-key", opsPub()).code()).isZero();
  }

  @Test
  void aWrongKeyAndAnUnsignedVersionAreRefused() throws Exception {
    Files.writeString(file, "before\n");
    assertThat(
            in("hosts", Lines.hosts(12), "--sign-key", tmp.resolve("other/evil.key").toString())
                .code())
        .isZero();
    CliRun.Result r = out("hosts", "--trust-key", opsPub());
    assertRefused(r, "untrusted_signer", "before\n");
    assertThat(r.err()).contains("signed by evil (sha256:");
    assertThat(in("plain", Lines.hosts(12)).code()).isZero();
    CliRun.Result unsigned = out("plain", "--trust-key", opsPub());
    assertRefused(unsigned, "unsigned", "before\n");
    assertThat(unsigned.err()).contains("publish with 'kvexpress in --sign-key FILE'");
    // in --sign-key on the unchanged version signs it without making a new version.
    long index = Store.get(agent, "kvexpress/plain/data").modifyIndex();
    CliRun.Result signed = in("plain", Lines.hosts(12), "--sign-key", opsKey());
    assertThat(signed.err()).contains("result=signed");
    assertThat(Store.get(agent, "kvexpress/plain/data").modifyIndex()).isEqualTo(index);
    assertThat(Store.get(agent, "kvexpress/plain/last")).as("no new version, so no last").isNull();
    assertThat(out("plain", "--trust-key", opsPub()).code()).isZero();
  }

  @Test
  void keyRotationWithTwoTrustedKeys() throws Exception {
    Path trusted = tmp.resolve("trusted");
    Files.createDirectories(trusted);
    Files.copy(keys.resolve("ops.pub"), trusted.resolve("ops.pub"));
    assertThat(
            cli()
                .run("keygen", "--out", tmp.resolve("new").toString(), "--name", "ops-2027")
                .code())
        .isZero();
    Files.copy(tmp.resolve("new/ops-2027.pub"), trusted.resolve("ops-2027.pub"));
    assertThat(in("hosts", Lines.hosts(12), "--sign-key", opsKey()).code()).isZero();
    assertThat(out("hosts", "--trust-key", trusted.toString()).code()).isZero();
    assertThat(
            in("hosts", Lines.hosts(13), "--sign-key", tmp.resolve("new/ops-2027.key").toString())
                .code())
        .isZero();
    assertThat(out("hosts", "--trust-key", trusted.toString()).code()).isZero();
    // The old key retired: what it signs is refused, what the new one signs still applies.
    Files.delete(trusted.resolve("ops.pub"));
    String before = Files.readString(file);
    assertThat(in("hosts", Lines.hosts(14), "--sign-key", opsKey()).code()).isZero();
    assertRefused(out("hosts", "--trust-key", trusted.toString()), "untrusted_signer", before);
  }

  @Test
  void noOlderRefusesAReplayOfAnOlderSignedVersion() throws Exception {
    assertThat(in("hosts", Lines.hosts(12), "--sign-key", opsKey()).code()).isZero();
    List<byte[]> v1 = new ArrayList<>();
    for (String part : List.of("data", "checksum", "signature")) {
      v1.add(Store.get(agent, "kvexpress/hosts/" + part).bytes());
    }
    ahead = ahead.plusSeconds(1); // a later signing time, without waiting for it
    assertThat(in("hosts", Lines.hosts(13), "--sign-key", opsKey()).code()).isZero();
    assertThat(out("hosts", "--trust-key", opsPub(), "--no-older").code()).isZero();
    String before = Files.readString(file);
    // The attacker re-publishes version 1, whose signature is genuine.
    int i = 0;
    for (String part : List.of("data", "checksum", "signature")) {
      put("kvexpress/hosts/" + part, v1.get(i++));
    }
    assertThat(out("hosts", "--trust-key", opsPub()).code())
        .as("without --no-older a replay applies")
        .isZero();
    Files.writeString(file, before);
    CliRun.Result r = out("hosts", "--trust-key", opsPub(), "--no-older");
    assertRefused(r, "older_version", before);
    assertThat(r.err()).contains("may be a replay");
    // Publishing that content again is no change; signing it anew makes it the newest.
    assertThat(in("hosts", Lines.hosts(12), "--sign-key", opsKey()).err())
        .contains("result=unchanged");
    ahead = ahead.plusSeconds(1);
    assertThat(in("hosts", Lines.hosts(12), "--sign-key", opsKey(), "--resign").err())
        .contains("result=signed");
    assertThat(out("hosts", "--trust-key", opsPub(), "--no-older").code()).isZero();
  }

  @Test
  void copyNeedsASignKeyForASignedSourceAndRollbackKeepsOrRenewsTheSignature() throws Exception {
    assertThat(in("hosts", Lines.hosts(12), "--sign-key", opsKey()).code()).isZero();
    CliRun.Result unsignedCopy = cli().run("copy", "--from", "hosts", "--to", "hosts-b");
    assertThat(unsignedCopy.code()).isEqualTo(3);
    assertThat(unsignedCopy.err()).contains("reason=unsigned").contains("--sign-key");
    assertThat(Store.get(agent, "kvexpress/hosts-b/data")).isNull();
    assertThat(
            cli().run("copy", "--from", "hosts", "--to", "hosts-b", "--sign-key", opsKey()).code())
        .isZero();
    assertThat(out("hosts-b", "--trust-key", opsPub()).code()).isZero();

    ahead = ahead.plusSeconds(1);
    assertThat(in("hosts", Lines.hosts(13), "--sign-key", opsKey()).code()).isZero();
    assertThat(out("hosts", "--trust-key", opsPub(), "--no-older").code()).isZero();
    assertThat(cli().run("rollback", "-k", "hosts").code()).isZero();
    // The restored version carries its own (older) signature: valid, but older than what the node
    // has.
    assertThat(out("hosts", "--trust-key", opsPub()).code()).isZero();
    assertRefused(
        out("hosts", "--trust-key", opsPub(), "--no-older"),
        "older_version",
        Files.readString(file));
    assertThat(cli().run("rollback", "-k", "hosts").code()).isZero();
    ahead = ahead.plusSeconds(1);
    assertThat(cli().run("rollback", "-k", "hosts", "--sign-key", opsKey()).code()).isZero();
    assertThat(out("hosts", "--trust-key", opsPub(), "--no-older").code())
        .as("signed anew by rollback")
        .isZero();
  }
}
