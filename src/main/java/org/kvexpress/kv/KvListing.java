package org.kvexpress.kv;

import java.util.List;
import java.util.Optional;

/**
 * The keys under a prefix and the X-Consul-Index that came with them (the index to block on next).
 */
public record KvListing(List<KvEntry> entries, long index) {
  public KvListing {
    entries = List.copyOf(entries);
  }

  public Optional<KvEntry> find(String key) {
    for (KvEntry e : entries) {
      if (e.key().equals(key)) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }
}
