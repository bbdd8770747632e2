package org.kvexpress.kv;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The index every blocking loop (watcher, slots, health gate, rollout, replicate) asks with next.
 */
class NextIndexTest {
  @Test
  void followsTheAnswerStartsOverWhenItGoesBackwardsAndIsNeverZeroOtherwise() {
    assertThat(KvStore.nextIndex(0, 42)).isEqualTo(42);
    assertThat(KvStore.nextIndex(42, 42)).isEqualTo(42);
    assertThat(KvStore.nextIndex(42, 50)).isEqualTo(50);
    assertThat(KvStore.nextIndex(42, 7)).as("an agent restarted empty").isZero();
    assertThat(KvStore.nextIndex(0, 0)).as("Consul's guide: at least 1").isEqualTo(1);
  }
}
