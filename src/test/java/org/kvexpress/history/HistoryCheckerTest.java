package org.kvexpress.history;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kvexpress.history.History.Application;
import org.kvexpress.history.History.Observation;
import org.kvexpress.history.History.Outcome;
import org.kvexpress.history.History.Write;

/** The checker on hand-made histories: it passes a good one and names each kind of violation. */
class HistoryCheckerTest {
  /**
   * A commit as a recorder sees it: id, history, checksum and last checksum, at data index {@code
   * at}.
   */
  private static Observation seen(
      long at, String id, List<String> history, String sum, String last) {
    return new Observation(at, id, history, sum, sum, last, last, "stdin", at, 0);
  }

  private static Write in(String sum, Outcome outcome) {
    return new Write("p1", "in", sum, outcome, null, 0, 1, "");
  }

  /** Three commits a -> b -> c, all observed, all acknowledged, applied in order on one node. */
  private static History good() {
    History h = new History();
    h.observe(seen(10, "a", List.of("@0"), "A", null));
    h.observe(seen(11, "b", List.of("a", "@0"), "B", "A"));
    h.observe(seen(12, "c", List.of("b", "a", "@0"), "C", "B"));
    h.write(in("A", Outcome.PUBLISHED));
    h.write(in("B", Outcome.PUBLISHED));
    h.write(in("C", Outcome.PUBLISHED));
    h.applied(new Application("n1", 1, "A", "A"));
    h.applied(new Application("n1", 2, "C", "C"));
    return h;
  }

  @Test
  void aGoodHistoryHolds() {
    HistoryChecker.Report r = HistoryChecker.check(good());
    assertThat(r.violations()).isEmpty();
    assertThat(r.chain()).extracting(HistoryChecker.Commit::id).containsExactly("a", "b", "c");
  }

  @Test
  void aCommitSeenOnlyThroughItsSuccessorIsStillKnown() {
    History h = new History();
    h.observe(seen(10, "a", List.of("@0"), "A", null));
    h.observe(seen(12, "c", List.of("b", "a", "@0"), "C", "B"));
    h.write(in("B", Outcome.PUBLISHED));
    h.applied(new Application("n1", 1, "B", "B"));
    HistoryChecker.Report r = HistoryChecker.check(h);
    assertThat(r.violations()).isEmpty();
    assertThat(r.unknownChecksums()).isZero();
  }

  @Test
  void theSameContentCommittedAgainByAPublishIsCaught() {
    History h = good();
    // A lost answer written again: A returns over C, by in, not by a rollback.
    h.observe(seen(13, "a2", List.of("c", "b", "a", "@0"), "A", "C"));
    assertThat(HistoryChecker.check(h).violations())
        .anyMatch(v -> v.contains("by something other than a rollback"));
  }

  @Test
  void aRollbackMayBringAVersionBackAndNodesMayFollowIt() {
    History h = good();
    h.observe(
        new Observation(
            13, "r", List.of("c", "b", "a", "@0"), "B", "B", "C", "C", "rollback from c", 13, 0));
    h.applied(new Application("n1", 3, "B", "B"));
    assertThat(HistoryChecker.check(h).violations()).isEmpty();
  }

  @Test
  void aNodeGoingBackWithoutARollbackIsCaught() {
    History h = good();
    h.applied(new Application("n1", 3, "B", "B"));
    assertThat(HistoryChecker.check(h).violations()).anyMatch(v -> v.contains("n1 went back to B"));
  }

  @Test
  void anApplicationOfSomethingNeverCommittedOrNotMatchingItsChecksumIsCaught() {
    History h = good();
    h.applied(new Application("n2", 1, "X", "X"));
    h.applied(new Application("n3", 1, "C", "torn"));
    assertThat(HistoryChecker.check(h).violations())
        .anyMatch(v -> v.contains("n2 applied X, which was never " + "committed"))
        .anyMatch(v -> v.contains("n3 applied a file hashing to torn while out said C"));
  }

  @Test
  void anAcknowledgedPublishMissingOrARefusedOneCommittedIsCaught() {
    History h = good();
    h.write(in("D", Outcome.PUBLISHED));
    h.write(new Write("p2", "in", "B", Outcome.HALTED, null, 0, 1, "stop key"));
    h.write(new Write("p2", "in", "C", Outcome.SUPERSEDED, "A", 0, 1, ""));
    assertThat(HistoryChecker.check(h).violations())
        .anyMatch(
            v -> v.contains("acknowledged publish p1 D (PUBLISHED) is not in the commit sequence"))
        .anyMatch(v -> v.contains("reported HALTED (stop key) but was committed"))
        .anyMatch(v -> v.contains("says it was superseded by A, which was not committed after it"));
  }

  @Test
  void aCommitWhileTheStopKeyWasSetIsCaught() {
    History h = good();
    // The stop key was created at index 11 and still there when a read answered at index 12: c is
    // inside.
    h.observe(
        new Observation(12, "c", List.of("b", "a", "@0"), "C", "C", "B", "B", "stdin", 12, 11));
    assertThat(HistoryChecker.check(h).violations())
        .anyMatch(v -> v.contains("while the stop key set at index 11"));
  }

  @Test
  void tornStatesForksAndDisagreementsAreCaught() {
    History h = good();
    h.observe(
        new Observation(14, "x", List.of("b", "a", "@0"), "X", "Y", "B", "B", "stdin", 14, 0));
    assertThat(HistoryChecker.check(h).violations())
        .anyMatch(v -> v.contains("torn state at index 14: data hashes to Y but checksum says X"))
        .anyMatch(v -> v.contains("has two predecessors") || v.contains("a fork"));
  }
}
