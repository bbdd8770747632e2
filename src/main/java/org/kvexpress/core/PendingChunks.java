package org.kvexpress.core;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The value of {@code <prefix>/<key>/pending}: the publishes that are writing chunks right now. A
 * publisher registers here before writing its first chunk and leaves in the transaction that makes
 * its version current, so garbage collection (which is guarded on this key's index) never removes a
 * chunk that a version about to become current needs. An entry older than {@link #STALE_AFTER}
 * belongs to a publisher that died (kill -9 between its chunks and its switch) and protects nothing
 * any more. Pure.
 */
public record PendingChunks(List<Entry> publishes) {
  /** Far longer than writing 64 MiB of chunks takes; clocks of publishers must agree within it. */
  public static final Duration STALE_AFTER = Duration.ofHours(1);

  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

  /** One publish in progress: its id, where and when it started, and the chunks it writes. */
  public record Entry(String id, String host, String time, List<String> chunks) {}

  public static final PendingChunks NONE = new PendingChunks(List.of());

  /**
   * The stored registry; absent or unreadable reads as empty (a bad value then just protects
   * nothing).
   */
  public static PendingChunks parse(byte[] json) {
    if (json == null || json.length == 0) {
      return NONE;
    }
    try {
      PendingChunks p =
          GSON.fromJson(new String(json, StandardCharsets.UTF_8), PendingChunks.class);
      return p == null || p.publishes() == null ? NONE : p;
    } catch (JsonParseException | IllegalStateException e) {
      return NONE;
    }
  }

  public byte[] toJson() {
    return GSON.toJson(this).getBytes(StandardCharsets.UTF_8);
  }

  public PendingChunks with(Entry e) {
    List<Entry> all = new ArrayList<>(publishes);
    all.add(e);
    return new PendingChunks(List.copyOf(all));
  }

  public PendingChunks without(String id) {
    return new PendingChunks(publishes.stream().filter(e -> !e.id().equals(id)).toList());
  }

  public boolean has(String id) {
    return publishes.stream().anyMatch(e -> e.id().equals(id));
  }

  /** Only the entries that are not stale at {@code now}. */
  public PendingChunks live(Instant now) {
    return new PendingChunks(publishes.stream().filter(e -> !stale(e, now)).toList());
  }

  /** The chunks live publishes are writing. */
  public Set<String> protectedChunks(Instant now) {
    Set<String> names = new HashSet<>();
    for (Entry e : live(now).publishes()) {
      if (e.chunks() != null) {
        names.addAll(e.chunks());
      }
    }
    return names;
  }

  private static boolean stale(Entry e, Instant now) {
    try {
      return Instant.parse(e.time()).plus(STALE_AFTER).isBefore(now);
    } catch (DateTimeParseException | NullPointerException ex) {
      return true;
    }
  }
}
