package org.kvexpress.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.SlotTable;
import org.kvexpress.kv.KvEntry;
import org.kvexpress.kv.KvListing;

class StatusSlotsTest {
  static KvEntry entry(String key, byte[] value) {
    return new KvEntry(key, value, 0, 1, 1);
  }

  @Test
  void statusShowsWhoHoldsASlotAndHowManyWait() {
    KeyLayout app = new KeyLayout("kvexpress", "app");
    KvListing listing =
        new KvListing(
            List.of(
                entry(app.slotTable(), new SlotTable(2, List.of("s1", "gone")).toJson()),
                entry(app.slotsDir() + "s1", "web-1".getBytes(StandardCharsets.UTF_8)),
                entry(app.slotsDir() + "s2", "web-2".getBytes(StandardCharsets.UTF_8)),
                entry(app.slotsDir() + "s3", "web-3".getBytes(StandardCharsets.UTF_8))),
            7);
    KeyStatus.Slots slots = StatusService.slots(app, listing);
    assertThat(slots.holding()).containsExactly("web-1");
    assertThat(slots.waiting()).isEqualTo(2);
    assertThat(StatusService.slots(new KeyLayout("kvexpress", "other"), listing)).isNull();
  }
}
