package org.kvexpress.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SlotTableTest {
  @Test
  void anEmptyTableGivesSlotsUpToItsLimitAndNoMore() {
    SlotTable t = SlotTable.parse(null, 2);
    t = t.taking("a", 2);
    t = t.taking("b", 2);
    assertThat(t.holders()).containsExactly("a", "b");
    assertThat(t.taking("c", 2)).isNull();
    assertThat(t.taking("a", 2)).isSameAs(t);
  }

  @Test
  void holdersWhoseSessionsEndedArePrunedSoASlotNeverLeaks() {
    SlotTable t = new SlotTable(2, List.of("dead", "alive"));
    assertThat(t.taking("c", 2)).isNull();
    SlotTable pruned = t.pruned(Set.of("alive", "c"));
    assertThat(pruned.holders()).containsExactly("alive");
    assertThat(pruned.taking("c", 2).holders()).containsExactly("alive", "c");
  }

  @Test
  void eachNodeCountsAgainstItsOwnLimit() {
    SlotTable t = new SlotTable(3, List.of("a", "b"));
    assertThat(t.taking("c", 2)).isNull();
    assertThat(t.taking("c", 3).holders()).hasSize(3);
  }

  @Test
  void theStoredFormRoundTrips() {
    SlotTable t = new SlotTable(2, List.of("b"));
    String json = new String(t.toJson(), StandardCharsets.UTF_8);
    assertThat(json).isEqualTo("{\"Limit\":2,\"Holders\":[\"b\"]}");
    assertThat(SlotTable.parse(t.toJson(), 9)).isEqualTo(t);
  }

  @Test
  void aTableThatIsNotTheSemaphoresFailsClosed() {
    assertThatThrownBy(() -> SlotTable.parse("{\"x\":1}".getBytes(StandardCharsets.UTF_8), 2))
        .isInstanceOf(KvexpressException.class)
        .hasMessageContaining("Holders");
    assertThatThrownBy(() -> SlotTable.parse("nope".getBytes(StandardCharsets.UTF_8), 2))
        .isInstanceOf(KvexpressException.class);
  }
}
