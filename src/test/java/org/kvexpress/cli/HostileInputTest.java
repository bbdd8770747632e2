package org.kvexpress.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.kvexpress.core.Encoding;
import org.kvexpress.core.KeyNames;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.testing.CliRun;

/**
 * Random argv (never --watch, which runs until stopped), keys and stored values: every one ends in
 * a documented exit code or a typed refusal.
 */
class HostileInputTest {
  private static final String[] WORDS = {
    "in",
    "out",
    "raw",
    "copy",
    "stop",
    "resume",
    "lock",
    "unlock",
    "clean",
    "status",
    "rollback",
    "diff",
    "-k",
    "--key",
    "-f",
    "--file",
    "-u",
    "-l",
    "--min-lines",
    "-m",
    "-o",
    "-e",
    "--exec-timeout",
    "--splay",
    "--max-shrink",
    "--force",
    "-z",
    "--verbatim",
    "--dry-run",
    "--json",
    "--from",
    "--to",
    "-r",
    "-s",
    "-t",
    "--token-file",
    "-p",
    "--prefix",
    "--retry-for",
    "--soft",
    "-v",
    "-q",
    "--config",
    "--wait",
    "--check",
    "--hostname",
    "--max-bytes",
    "hosts",
    "a/b",
    "",
    " ",
    "..",
    "a//b",
    "0640",
    "999",
    "-1",
    "1e9",
    "30s",
    "xx",
    "http://",
    "unix:///x",
    "/tmp/kvx-hostile-none",
    "\u0000",
    "caf\u00e9",
    "--",
    "-",
    "--help",
    "-h",
    "root:nogroup-xyz",
    "%",
    "5m",
    "0",
    "100",
    "101"
  };

  @Test
  void randomArgvNeverEndsInAStackTrace() {
    Random r = new Random(2026);
    for (int round = 0; round < 400; round++) {
      List<String> argv = new ArrayList<>();
      int n = 1 + r.nextInt(7);
      for (int i = 0; i < n; i++) {
        argv.add(WORDS[r.nextInt(WORDS.length)]);
      }
      // Nothing listens at port 1, and a tiny retry budget keeps a well-formed command fast.
      argv.addAll(List.of("--retry-for", "10ms"));
      CliRun.Result res =
          CliRun.cli().env("CONSUL_HTTP_ADDR", "127.0.0.1:1").run(argv.toArray(new String[0]));
      String all = res.all();
      assertThat(res.code()).as(String.join(" ", argv)).isBetween(0, 4);
      assertThat(all)
          .as(String.join(" ", argv))
          .doesNotContain("Exception")
          .doesNotContain("\tat ")
          .doesNotContain("reason=internal");
      if (res.code() == 2) {
        assertThat(res.err().lines().count()).as("one line: " + res.err()).isLessThanOrEqualTo(1);
      }
    }
  }

  @Test
  void randomKeysAreAcceptedOnlyWhenSafe() {
    Random r = new Random(7);
    String alphabet = "ab/._,-:% \u00e9\u0000\n?&=";
    for (int i = 0; i < 5000; i++) {
      StringBuilder b = new StringBuilder();
      for (int j = 0; j < 1 + r.nextInt(8); j++) {
        b.append(alphabet.charAt(r.nextInt(alphabet.length())));
      }
      String key = b.toString();
      try {
        KeyNames.validateKey("key", key);
        // Accepted: no control character, and every segment non-empty and not a path step.
        assertThat(key).doesNotContainPattern("[\\x00-\\x1f\\x7f]");
        assertThat(key.split("/", -1)).doesNotContain("", ".", "..");
      } catch (KvexpressException e) {
        assertThat(e.kind()).isEqualTo(KvexpressException.Kind.USAGE);
        assertThat(e.getMessage()).doesNotContain("\n");
      }
    }
  }

  @Test
  void randomStoredBytesDecodeOrAreRefusedNeverCrash() {
    Random r = new Random(3);
    for (int i = 0; i < 2000; i++) {
      byte[] value = new byte[r.nextInt(64)];
      r.nextBytes(value);
      if (i % 3 == 0 && value.length > 2) {
        value[0] = 0x1f; // gzip magic, so the decoder gets past the header sometimes
        value[1] = (byte) 0x8b;
      }
      try {
        Encoding.fromFlags(r.nextInt(4)).decode(value, 1 << 20);
      } catch (KvexpressException e) {
        assertThat(e.kind()).isEqualTo(KvexpressException.Kind.REFUSED);
      }
    }
  }
}
