package org.kvexpress.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class UnifiedDiffTest {
  private static String diff(String a, String b) {
    return new String(
        UnifiedDiff.diff(
            "a",
            a.getBytes(StandardCharsets.ISO_8859_1),
            "b",
            b.getBytes(StandardCharsets.ISO_8859_1),
            3),
        StandardCharsets.ISO_8859_1);
  }

  @Test
  void againstNothingEveryLineIsAdded() {
    assertThat(diff("", "x\ny\n")).isEqualTo("--- a\n+++ b\n@@ -0,0 +1,2 @@\n+x\n+y\n");
    assertThat(diff("", "x")).isEqualTo("--- a\n+++ b\n@@ -0,0 +1 @@\n+x\n");
    assertThat(diff("x\n", "")).isEqualTo("--- a\n+++ b\n@@ -1 +0,0 @@\n-x\n");
    assertThat(diff("", "")).isEmpty();
  }

  @Test
  void changesAreShownWithContextAndEqualContentIsEmpty() {
    assertThat(diff("a\nb\nc\n", "a\nB\nc\n"))
        .isEqualTo("--- a\n+++ b\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
    assertThat(diff("same\n", "same\n")).isEmpty();
  }

  @Test
  void nonUtf8BytesSurviveExactly() {
    byte[] after = {(byte) 0xff, (byte) 0xfe, '\n'};
    byte[] d = UnifiedDiff.diff("a", new byte[0], "b", after, 3);
    assertThat(new String(d, StandardCharsets.ISO_8859_1)).endsWith("+\u00ff\u00fe\n");
  }
}
