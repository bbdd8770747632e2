package org.kvexpress.version;

import java.util.List;
import org.kvexpress.kv.KvEntry;

/**
 * What a writer wants current (or staged): the version as stored, what it is (lines and bytes of
 * its content), where it came from (meta's {@code source}), its signature statement (null:
 * unsigned, and a stale signature goes), the entries it was read from (a copy's source: the commit
 * is guarded on them), and keys to remove in the same transaction (a promote's staged keys). The
 * version owner stamps the rest of meta: checksum, encoding, host, time, last and the commit chain.
 */
public record Proposal(
    Stored stored,
    int lines,
    long bytes,
    String source,
    byte[] signature,
    List<KvEntry> readFrom,
    List<String> remove) {

  public Proposal {
    readFrom = List.copyOf(readFrom);
    remove = List.copyOf(remove);
  }

  /**
   * A version with nothing read from and nothing to remove: what {@code in} and a rollback propose.
   */
  public static Proposal of(Stored stored, int lines, long bytes, String source, byte[] signature) {
    return new Proposal(stored, lines, bytes, source, signature, List.of(), List.of());
  }

  public String checksum() {
    return stored.version().checksum();
  }
}
