package org.kvexpress.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The retry budget on a fake clock: the backoff doubles with jitter, is capped, and the budget is
 * kept.
 */
class RetrierTest {
  private long now;
  private final List<Long> sleeps = new ArrayList<>();

  private Retrier retrier(Duration budget) {
    return new Retrier(
        budget,
        () -> now,
        ms -> {
          sleeps.add(ms);
          now += ms * 1_000_000;
        });
  }

  @Test
  void aTransientFailureIsRetriedUntilTheBudgetIsSpentThenGivesUpNamingTheCause() {
    Retrier r = retrier(Duration.ofSeconds(20));
    assertThatThrownBy(
            () ->
                r.run(
                    () -> {
                      throw new Retrier.TransientException("connection refused");
                    },
                    (cause, attempts, elapsed) ->
                        new IllegalStateException(cause + " after " + attempts + " in " + elapsed)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("connection refused");
    long slept = sleeps.stream().mapToLong(Long::longValue).sum();
    assertThat(slept).as("the whole budget, not more").isBetween(19_950L, 20_000L);
    assertThat(r.retries()).isEqualTo(sleeps.size());
    for (int i = 1; i < sleeps.size() - 1; i++) {
      assertThat(sleeps.get(i)).as("capped backoff").isLessThanOrEqualTo(5_000L);
    }
  }

  @Test
  void successAfterTransientFailuresReturnsTheValue() {
    Retrier r = retrier(Duration.ofSeconds(20));
    int[] calls = {0};
    String v =
        r.run(
            () -> {
              if (++calls[0] < 4) {
                throw new Retrier.TransientException("HTTP 500");
              }
              return "ok";
            },
            (cause, attempts, elapsed) -> new IllegalStateException(cause));
    assertThat(v).isEqualTo("ok");
    assertThat(r.retries()).isEqualTo(3);
    assertThat(sleeps.get(1))
        .as("doubling, with jitter in [b/2, b]")
        .isGreaterThanOrEqualTo(sleeps.get(0) / 2);
  }

  @Test
  void aNonTransientFailureIsNotRetried() {
    Retrier r = retrier(Duration.ofSeconds(20));
    assertThatThrownBy(
            () ->
                r.run(
                    () -> {
                      throw new IllegalArgumentException("403");
                    },
                    (cause, attempts, elapsed) -> new IllegalStateException(cause)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(sleeps).isEmpty();
  }
}
