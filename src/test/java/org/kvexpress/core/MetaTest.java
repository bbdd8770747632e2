package org.kvexpress.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The meta document: what writers store is what readers get back, and anything unreadable is
 * absent.
 */
class MetaTest {
  private static final Meta FULL =
      new Meta(
          "a".repeat(64),
          1188,
          23288L,
          "gzip",
          "build-1",
          "2026-11-30T09:00:00.123Z",
          "stdin",
          "b".repeat(64),
          "id-1",
          List.of("id-0", "@41"));

  @Test
  void whatIsWrittenIsReadBack() {
    assertThat(Meta.parse(FULL.toJson())).isEqualTo(FULL);
    Meta sparse = new Meta("c".repeat(64), 10, 200L, "plain", null, null, null, null, null, null);
    assertThat(Meta.parse(sparse.toJson())).isEqualTo(sparse);
  }

  @Test
  void theStoredFormIsCompactOrderedAndNotHtmlEscaped() {
    Meta m =
        new Meta(
            "c".repeat(64),
            10,
            200L,
            "plain",
            "host<1>",
            null,
            "-u http://x/?a=1&b=2",
            null,
            "id-2",
            null);
    assertThat(new String(m.toJson(), StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"checksum\":\""
                + "c".repeat(64)
                + "\",\"lines\":10,\"bytes\":200,\"encoding\":\"plain\",\"host\":\"host<1>\","
                + "\"source\":\"-u http://x/?a=1&b=2\",\"id\":\"id-2\"}");
  }

  @Test
  void missingFieldsAreNullOrZeroAndUnknownOnesAreIgnored() {
    Meta m = parse("{\"checksum\":\"abc\",\"futureField\":{\"x\":1},\"lines\":null}");
    assertThat(m).isEqualTo(new Meta("abc", 0, 0L, null, null, null, null, null, null, null));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "not json",
        "[1,2]",
        "\"text\"",
        "{\"lines\":\"many\"}",
        "{\"lines\":1e20}",
        "{\"checksum\":{\"nested\":true}}",
        "{\"bytes\":[1]}",
        "{\"checksum\":",
        "{\"history\":\"id-1\"}",
        "{\"history\":[{\"id\":1}]}"
      })
  void anythingUnreadableIsAbsent(String json) {
    assertThat(parse(json)).as(json).isNull();
  }

  @Test
  void theHistoryFollowsTheIdAsAnArray() {
    Meta m =
        new Meta(
            "c".repeat(64),
            10,
            200L,
            "plain",
            null,
            null,
            null,
            null,
            "id-3",
            List.of("id-2", "@7"));
    assertThat(new String(m.toJson(), StandardCharsets.UTF_8))
        .endsWith(",\"id\":\"id-3\",\"history\":[\"id-2\",\"@7\"]}");
  }

  @Test
  void nothingStoredIsAbsent() {
    assertThat(Meta.parse(null)).isNull();
  }

  private static Meta parse(String json) {
    return Meta.parse(json.getBytes(StandardCharsets.UTF_8));
  }
}
