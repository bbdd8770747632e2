package org.kvexpress.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A freeze ends only by the form kvexpress writes beside the stop or lock, written with it. */
class FreezeTest {
  private static final Instant END = Instant.parse("2026-12-03T10:00:00Z");

  @Test
  void theStoredFormIsVersionedAndReadBack() {
    byte[] json = new Freeze(END).toJson();
    assertThat(new String(json, StandardCharsets.UTF_8))
        .isEqualTo("{\"kvexpress\":\"freeze\",\"v\":1,\"until\":\"2026-12-03T10:00:00Z\"}");
    assertThat(Freeze.parse(json)).isEqualTo(new Freeze(END));
  }

  @Test
  void itAppliesOnlyWhenWrittenWithTheHalt() {
    byte[] json = new Freeze(END).toJson();
    assertThat(Freeze.endOf(42, json, 42)).isEqualTo(END);
    assertThat(Freeze.endOf(43, json, 42))
        .as("the stop was written again since: it halts for good")
        .isNull();
    assertThat(Freeze.endOf(42, null, 0)).isNull();
    assertThat(Freeze.over(END, END)).isTrue();
    assertThat(Freeze.over(END, END.minusMillis(1))).isFalse();
    assertThat(Freeze.over(null, END)).as("no end: never over").isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "DB migration (until 2020-01-01T00:00:00Z, ask #ops)",
        "{\"kvexpress\":\"freeze\",\"v\":2,\"until\":\"2026-12-03T10:00:00Z\"}",
        "{\"kvexpress\":\"other\",\"v\":1,\"until\":\"2026-12-03T10:00:00Z\"}",
        "{\"until\":\"2026-12-03T10:00:00Z\"}",
        "{\"kvexpress\":\"freeze\",\"v\":1,\"until\":\"tomorrow\"}",
        ""
      })
  void anythingElseIsNoEnd(String value) {
    assertThat(Freeze.parse(value.getBytes(StandardCharsets.UTF_8))).as(value).isNull();
    assertThat(Freeze.endOf(1, value.getBytes(StandardCharsets.UTF_8), 1)).isNull();
  }
}
