package org.kvexpress.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kvexpress.core.Reason;
import org.kvexpress.core.Result;

class GoMetricsTest {
  private static final String TAGS = "|#key:hosts,host:node1,direction:";

  private static List<String> lines(
      String command, Result result, Reason reason, long retries, Long bytes, Long lines) {
    Metrics m = new Metrics();
    GoMetrics.record(
        m,
        new RunMetrics.Run(
            command, "hosts", "/etc/hosts", result, reason, null, 12, retries, bytes, lines),
        "node1");
    return m.drain().stream().map(Metrics.Sample::statsdLine).toList();
  }

  @Test
  void aPublishIsGosInWithBytesLinesAndTime() {
    assertThat(lines("in", Result.PUBLISHED, null, 0, 2048L, 120L))
        .containsExactly(
            "kvexpress.in:1|c" + TAGS + "in,location:complete",
            "kvexpress.bytes:2048|g" + TAGS + "in,location:complete",
            "kvexpress.lines:120|g" + TAGS + "in,location:complete",
            "kvexpress.time:12|g" + TAGS + "in,location:complete");
  }

  @Test
  void anUnchangedInIsOnlyTimedAtGosLocation() {
    assertThat(lines("in", Result.UNCHANGED, null, 0, 10L, 1L))
        .containsExactly("kvexpress.time:12|g" + TAGS + "in,location:consul_checksums_match");
  }

  @Test
  void refusalsAndHaltsUseGosCountersAndLocations() {
    assertThat(lines("in", Result.REFUSED, Reason.TOO_FEW_LINES, 0, null, null))
        .containsExactly(
            "kvexpress.not_long_enough:1|c" + TAGS + "in,location:not_long_enough",
            "kvexpress.time:12|g" + TAGS + "in,location:not_long_enough");
    assertThat(lines("out", Result.REFUSED, Reason.CHECKSUM_MISMATCH, 0, null, null))
        .first()
        .isEqualTo("kvexpress.checksum_mismatch:1|c" + TAGS + "out,location:checksum_mismatch");
    assertThat(lines("out", Result.HALTED, Reason.STOP_KEY, 0, null, null))
        .containsExactly("kvexpress.time:12|g" + TAGS + "out,location:stop_key");
    assertThat(lines("out", Result.HALTED, Reason.LOCKED, 0, null, null))
        .first()
        .as("Go tagged a lock with the file as its key")
        .isEqualTo(
            "kvexpress.locked:1|c|#key:/etc/hosts,host:node1,direction:out,location:complete");
  }

  @Test
  void appliesLocksRawAndRetries() {
    assertThat(lines("out", Result.APPLIED, null, 0, null, null))
        .first()
        .isEqualTo("kvexpress.out:1|c" + TAGS + "out,location:complete");
    assertThat(lines("out", Result.CURRENT, null, 0, null, null))
        .as("Go stopped silently when the file already matched")
        .isEmpty();
    assertThat(lines("raw", Result.APPLIED, null, 0, null, null).get(0))
        .startsWith("kvexpress.raw:1|c");
    assertThat(lines("lock", Result.OK, null, 0, null, null).get(0))
        .startsWith("kvexpress.lock:1|c");
    assertThat(lines("unlock", Result.OK, null, 0, null, null).get(0))
        .startsWith("kvexpress.unlock:1|c");
    assertThat(lines("out", Result.FAILED, Reason.UNREACHABLE, 3, null, null))
        .contains("kvexpress.consul_reconnect:3|c|#host:node1,direction:out");
  }
}
