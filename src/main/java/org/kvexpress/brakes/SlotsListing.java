package org.kvexpress.brakes;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.SlotTable;
import org.kvexpress.kv.KvEntry;

/**
 * A key's reload slots as one listing shows them: the stored table (null when none) and the live
 * contenders, each session with the host that holds its key. What the acquiring node, {@code
 * status} and {@code rollout} all read from {@code <prefix>/<key>/slots/}.
 */
public record SlotsListing(KvEntry table, Map<String, String> contenders) {
  public SlotsListing {
    contenders = Map.copyOf(contenders);
  }

  /** The slots of {@code layout}'s key among {@code entries} (a listing of the slots or more). */
  public static SlotsListing of(KeyLayout layout, List<KvEntry> entries) {
    KvEntry table = null;
    Map<String, String> contenders = new LinkedHashMap<>();
    for (KvEntry e : entries) {
      if (!e.key().startsWith(layout.slotsDir())) {
        continue;
      }
      if (e.key().equals(layout.slotTable())) {
        table = e;
      } else {
        contenders.put(
            e.key().substring(layout.slotsDir().length()),
            new String(e.value(), StandardCharsets.UTF_8));
      }
    }
    return new SlotsListing(table, contenders);
  }

  /**
   * The hosts holding a slot, for showing (status, rollout): an unreadable table shows as nobody
   * holding one, since the nodes rebuild it; a node taking a slot parses it strictly instead.
   */
  public List<String> holdingHosts() {
    SlotTable shown;
    try {
      shown = SlotTable.parse(table == null ? null : table.value(), 1);
    } catch (KvexpressException unreadable) {
      shown = SlotTable.parse(null, 1);
    }
    return holdingHosts(shown);
  }

  /** The hosts of the live contenders that {@code table} lists as holders. */
  public List<String> holdingHosts(SlotTable table) {
    List<String> hosts = new ArrayList<>();
    contenders.forEach(
        (session, host) -> {
          if (table.holders().contains(session)) {
            hosts.add(host);
          }
        });
    return hosts;
  }
}
