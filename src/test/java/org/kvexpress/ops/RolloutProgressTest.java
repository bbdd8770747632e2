package org.kvexpress.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.kvexpress.core.NodeReport;
import org.kvexpress.kv.KvEntry;
import org.kvexpress.ops.RolloutProgress.State;

class RolloutProgressTest {
  static final String DIR = "kvexpress/h/nodes/";
  static final String NEW = "b".repeat(64);
  static final String OLD = "a".repeat(64);

  static KvEntry report(String host, String onDisk, String seen, String result, String detail) {
    NodeReport r =
        new NodeReport(
            onDisk,
            seen,
            result,
            null,
            null,
            "2026-12-03T10:00:00Z",
            "2026-12-03T10:00:00Z",
            onDisk.equals(NEW) ? "2026-12-03T10:00:01.500Z" : null,
            null,
            detail,
            null,
            null);
    return new KvEntry(DIR + host, r.toJson(), 0, 1, 1);
  }

  @Test
  void eachNodeIsPlacedByWhatItReportedAboutTheVersion() {
    RolloutProgress p =
        RolloutProgress.of(
            NEW,
            List.of(
                report("a", NEW, NEW, "applied", null),
                report("b", NEW, NEW, "current", null),
                report("c", OLD, NEW, "waiting_slot", null),
                report("d", OLD, NEW, "failed", "unhealthy after the new version"),
                report("e", OLD, NEW, "halted", null),
                report("f", OLD, OLD, "applied", null),
                report("g", OLD, OLD, "applied", null)),
            DIR,
            Set.of("g"));
    assertThat(p.nodes())
        .extracting(RolloutProgress.Node::state)
        .containsExactly(
            State.APPLIED,
            State.APPLIED,
            State.WAITING_SLOT,
            State.FAILED,
            State.HALTED,
            State.PENDING,
            State.RELOADING);
    assertThat(p.everywhere()).isFalse();
    assertThat(p.slowest(1)).extracting(RolloutProgress.Node::host).containsExactly("a");
    assertThat(p.line())
        .startsWith("bbbbbbbbbbbb: 2/7 applied, 1 reloading, 1 waiting slot, 1 failed, 1 halted")
        .contains("1 not yet (f)")
        .contains("d failed: unhealthy after the new version");
    assertThat(p.toJson().get("failed").getAsInt()).isEqualTo(1);
  }

  @Test
  void aFailureAboutAnOlderVersionIsNotThisVersionsFailure() {
    RolloutProgress p =
        RolloutProgress.of(NEW, List.of(report("a", OLD, OLD, "failed", "x")), DIR, Set.of());
    assertThat(p.count(State.FAILED)).isZero();
    assertThat(p.count(State.PENDING)).isOne();
  }

  @Test
  void everywhereOnlyWhenEveryReportingNodeHoldsIt() {
    assertThat(RolloutProgress.of(NEW, List.of(), DIR, Set.of()).everywhere()).isFalse();
    assertThat(
            RolloutProgress.of(NEW, List.of(report("a", NEW, NEW, "applied", null)), DIR, Set.of())
                .everywhere())
        .isTrue();
  }
}
