package org.kvexpress.core;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The reload slots' table, {@code <prefix>/<key>/slots/.lock}: how many nodes may reload at once
 * and which sessions hold a slot, in the format of Consul's semaphore guide ({@code {"Limit": N,
 * "Holders": [session, …]}}). A holder whose session has ended (its contender key is gone, deleted
 * by the session's Behavior) no longer counts: {@link #pruned} drops it before anyone takes a slot.
 */
public record SlotTable(int limit, List<String> holders) {
  private static final Gson GSON = new Gson();

  public SlotTable {
    holders = List.copyOf(holders);
  }

  /** The table as stored, or an empty one of {@code limit} when there is none yet. */
  public static SlotTable parse(byte[] json, int limit) {
    if (json == null || json.length == 0) {
      return new SlotTable(limit, List.of());
    }
    try {
      Stored s = GSON.fromJson(new String(json, StandardCharsets.UTF_8), Stored.class);
      if (s == null || s.Holders == null) {
        throw new JsonParseException("no Holders");
      }
      return new SlotTable(s.Limit, s.Holders);
    } catch (JsonParseException | IllegalStateException e) {
      throw KvexpressException.because(
          Reason.CONSUL_ERROR,
          "the reload slots' table is not {\"Limit\": N, \"Holders\": […]}; delete it with "
              + "'kvexpress raw' or 'consul kv delete' and the nodes rebuild it");
    }
  }

  /** The table without holders whose sessions are gone ({@code alive}: sessions still present). */
  public SlotTable pruned(Set<String> alive) {
    return new SlotTable(limit, holders.stream().filter(alive::contains).toList());
  }

  /**
   * The table with {@code session} holding a slot of {@code ownLimit}, or null when all are taken.
   * Each node counts against its own {@code --reload-slots}, so a fleet mid-way through changing it
   * never exceeds the larger of the two.
   */
  public SlotTable taking(String session, int ownLimit) {
    if (holders.contains(session)) {
      return this;
    }
    if (holders.size() >= ownLimit) {
      return null;
    }
    List<String> more = new ArrayList<>(holders);
    more.add(session);
    return new SlotTable(ownLimit, more);
  }

  public byte[] toJson() {
    Stored s = new Stored();
    s.Limit = limit;
    s.Holders = holders;
    return GSON.toJson(s).getBytes(StandardCharsets.UTF_8);
  }

  @SuppressWarnings({"checkstyle:MemberName", "PMD"})
  private static final class Stored {
    int Limit;
    List<String> Holders;
  }
}
