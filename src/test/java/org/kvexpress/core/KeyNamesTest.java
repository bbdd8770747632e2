package org.kvexpress.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class KeyNamesTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "hosts",
        "a/b/c",
        "dns.conf",
        "a-b_c,d.e",
        "A1/2z",
        "..a",
        "a..",
        "hosts@dc1",
        "a:b",
        "a b",
        "caf\u00e9",
        "50%",
        "q?x#y"
      })
  void acceptsWhatConsulStoresAndGoKvexpressAccepted(String key) {
    assertThat(KeyNames.validateKey("key", key)).isEqualTo(key);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "a\tb|control character U+0009 is not allowed",
        "a//b|empty segment",
        "/a|empty segment",
        "a/|empty segment",
        "a/../b|segment \"..\" is not allowed",
        "./a|segment \".\" is not allowed"
      })
  void rejectsAndNamesTheProblem(String key, String message) {
    assertThatThrownBy(() -> KeyNames.validateKey("key", key))
        .isInstanceOf(KvexpressException.class)
        .hasMessageContaining(message)
        .extracting(e -> ((KvexpressException) e).kind())
        .isEqualTo(KvexpressException.Kind.USAGE);
  }

  @Test
  void emptyKeyIsRejected() {
    assertThatThrownBy(() -> KeyNames.validateKey("key", "")).hasMessage("key must not be empty");
  }

  @ParameterizedTest
  @CsvSource({"kvexpress,kvexpress", "/kvexpress/,kvexpress", "//a/b//,a/b"})
  void prefixSlashesAreNormalisedAway(String raw, String expected) {
    assertThat(KeyNames.normalizePrefix(raw)).isEqualTo(expected);
  }

  @Test
  void layoutMatchesGoKvexpress() {
    KeyLayout l = new KeyLayout("kvexpress", "hosts");
    assertThat(l.data()).isEqualTo("kvexpress/hosts/data");
    assertThat(l.checksum()).isEqualTo("kvexpress/hosts/checksum");
    assertThat(l.stop()).isEqualTo("kvexpress/hosts/stop");
    // sha256("/etc/hosts.consul"), as Go kvexpress computes the lock folder.
    assertThat(KeyLayout.lock("kvexpress", Path.of("/etc/hosts.consul"), "web-1"))
        .isEqualTo("kvexpress/locks/" + Checksum.sha256Hex("/etc/hosts.consul") + "/web-1");
  }
}
