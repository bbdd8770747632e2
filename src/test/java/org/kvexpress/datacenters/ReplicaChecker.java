package org.kvexpress.datacenters;

import java.time.Instant;
import java.util.Set;
import org.kvexpress.core.Canonicalizer;
import org.kvexpress.core.Checksum;

/**
 * What a replica may ever show, one observation at a time: never no data or empty data, data that
 * matches its checksum, at least the minimum lines, a version somebody published, and never one
 * published before a version it showed earlier. Pure, so its power is tested by itself.
 */
final class ReplicaChecker {
  private final int minLines;
  private Instant newest = Instant.EPOCH;

  ReplicaChecker(int minLines) {
    this.minLines = minLines;
  }

  /** The violation this observation shows, or null. */
  String check(byte[] data, String checksum, Instant publishedAt, Set<String> published) {
    if (data == null || data.length == 0) {
      return "the replica showed no data";
    }
    if (!Checksum.sha256Hex(data).equals(checksum)) {
      return "the replica's data does not match its checksum " + checksum;
    }
    if (Canonicalizer.countLines(data) < minLines) {
      return "the replica showed a version of fewer than " + minLines + " lines";
    }
    if (!published.contains(checksum)) {
      return "the replica showed a version nobody published: " + checksum;
    }
    if (publishedAt == null || publishedAt.isBefore(newest)) {
      return "the replica went back to a version published at " + publishedAt + " after " + newest;
    }
    newest = publishedAt;
    return null;
  }
}
