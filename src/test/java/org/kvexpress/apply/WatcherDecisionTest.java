package org.kvexpress.apply;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.kvexpress.apply.Watcher.Answer;
import org.kvexpress.apply.Watcher.Decision;
import org.kvexpress.apply.Watcher.Memory;
import org.kvexpress.apply.Watcher.Wake;

/** What a watcher's loop does after each kind of answer: a table of its named decisions. */
class WatcherDecisionTest {
  private static final Duration WAIT = Duration.ofMinutes(5);
  private static final Instant NOW = Instant.parse("2026-12-03T10:00:00Z");
  private static final Memory FRESH = new Memory(false, false, null);

  private static Wake watching(Answer a, Memory m) {
    return Watcher.decide(false, a, m, WAIT, NOW).wake();
  }

  private static Decision halted(Answer a) {
    return Watcher.decide(true, a, FRESH, WAIT, NOW);
  }

  @Test
  void aNewChecksumOrAFirstLookIsNews() {
    assertThat(watching(new Answer(0, 7, "abc", null), FRESH)).isEqualTo(Wake.NEWS);
    assertThat(watching(new Answer(7, 9, "def", null), FRESH)).isEqualTo(Wake.NEWS);
    assertThat(watching(new Answer(0, 3, null, null), FRESH))
        .as("not published, said once")
        .isEqualTo(Wake.NEWS);
  }

  @Test
  void anUnpublishedKeyIsQuietUntilTheWaitRunsOutOrTheStagedVersionGoes() {
    Memory waiting = new Memory(true, false, null);
    assertThat(watching(new Answer(3, 5, null, null), waiting)).isEqualTo(Wake.STILL_UNPUBLISHED);
    assertThat(watching(new Answer(5, 5, null, null), waiting)).isEqualTo(Wake.WAIT_RAN_OUT);
    assertThat(watching(new Answer(3, 5, null, null), new Memory(true, true, null)))
        .isEqualTo(Wake.STAGED_ON_DISK);
    assertThat(Wake.STILL_UNPUBLISHED.round).isFalse();
  }

  @Test
  void theChecksumTheEndOfAHaltAppliedNeedsNoSecondRound() {
    assertThat(watching(new Answer(0, 12, "abc", null), new Memory(false, false, "abc")))
        .isEqualTo(Wake.JUST_APPLIED);
    assertThat(watching(new Answer(0, 12, "new", null), new Memory(false, false, "abc")))
        .isEqualTo(Wake.NEWS);
    assertThat(Wake.JUST_APPLIED.round).isFalse();
  }

  @Test
  void haltedItWaitsForTheKeyToGoOrItsFreezeToEnd() {
    assertThat(halted(new Answer(0, 4, "maintenance", null)).wake()).isEqualTo(Wake.STILL_HALTED);
    assertThat(halted(new Answer(4, 9, null, null)).wake()).isEqualTo(Wake.HALT_LIFTED);
    assertThat(halted(new Answer(4, 4, "maintenance", null)).wake()).isEqualTo(Wake.WAIT_RAN_OUT);
    Decision freeze = halted(new Answer(0, 4, "drill", Instant.parse("2026-12-03T10:02:00Z")));
    assertThat(freeze.wake()).isEqualTo(Wake.STILL_HALTED);
    assertThat(freeze.nextWait())
        .as("cut to end just after the freeze")
        .isEqualTo(Duration.ofMillis(120_100));
    assertThat(halted(new Answer(4, 4, "drill", Instant.parse("2026-12-03T09:59:00Z"))).wake())
        .isEqualTo(Wake.FREEZE_ENDED);
    // Free text that looks like an end is only text: a Go operator's stop halts for good.
    assertThat(
            halted(new Answer(0, 4, "migration (until 2020-01-01T00:00:00Z, ask #ops)", null))
                .wake())
        .isEqualTo(Wake.STILL_HALTED);
  }
}
