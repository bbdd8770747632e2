package org.kvexpress.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kvexpress.core.Lineage.Verdict;

/**
 * What the chain of commits says about an attempt whose answer was lost: exact, or "cannot tell".
 */
class LineageTest {
  private static Meta meta(String id, String... history) {
    return new Meta("c".repeat(64), 10, 100, "plain", null, null, null, null, id, List.of(history));
  }

  @Test
  void anAttemptAtTheHeadIsCurrentAndFurtherDownSuperseded() {
    Lineage chain = Lineage.of(meta("b", "a", "x"), 9);
    assertThat(chain.verdict("b", "a")).isEqualTo(Verdict.CURRENT);
    assertThat(chain.verdict("a", "x")).isEqualTo(Verdict.SUPERSEDED);
  }

  @Test
  void anAnchorFollowedBySomeoneElseMeansNotCommitted() {
    // x was current when the attempt "mine" was sent; b then committed on x instead: mine never
    // will.
    assertThat(Lineage.of(meta("b", "x"), 9).verdict("mine", "x")).isEqualTo(Verdict.NOT_COMMITTED);
    // Nothing committed since x: not yet (a late copy could still land, guarded on x like the next
    // attempt).
    assertThat(Lineage.of(meta("x", "w"), 9).verdict("mine", "x")).isEqualTo(Verdict.NOT_COMMITTED);
  }

  @Test
  void aChainThatNoLongerReachesTheAnchorCannotTell() {
    assertThat(Lineage.of(meta("z", "y"), 9).verdict("mine", "x")).isEqualTo(Verdict.UNKNOWN);
    // Go kvexpress (or a hand edit) wrote the current version: no meta describes it.
    assertThat(Lineage.of(null, 42).verdict("mine", "x")).isEqualTo(Verdict.UNKNOWN);
  }

  @Test
  void versionsWithoutMetaAreNamedByTheirDataIndex() {
    assertThat(Lineage.anchor(null, 0)).isEqualTo("@0");
    assertThat(Lineage.anchor(meta(null), 17)).isEqualTo("@17");
    assertThat(Lineage.anchor(meta("a"), 17)).isEqualTo("a");
    // The first publish over nothing, then over a Go-written version: each anchor is in the next
    // chain.
    Lineage first =
        Lineage.of(meta("a", Lineage.of(null, 0).historyForNext().toArray(String[]::new)), 5);
    assertThat(first.verdict("a", "@0")).isEqualTo(Verdict.CURRENT);
    assertThat(Lineage.of(null, 0).verdict("mine", "@0")).isEqualTo(Verdict.NOT_COMMITTED);
  }

  @Test
  void theHistoryKeepsTheNewestSixteen() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      ids.add(0, "id-" + i);
    }
    Lineage chain =
        Lineage.of(meta(ids.get(0), ids.subList(1, ids.size()).toArray(String[]::new)), 1);
    assertThat(chain.historyForNext()).hasSize(Lineage.KEPT).startsWith("id-39").endsWith("id-24");
    assertThat(Lineage.newId()).matches("[0-9a-f]{16}").isNotEqualTo(Lineage.newId());
  }
}
