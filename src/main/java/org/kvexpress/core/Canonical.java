package org.kvexpress.core;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The canonical form of an input and what was counted on the way. Its checksum and size are known
 * at once; the bytes themselves are assembled only when asked for, so an input far over Consul's
 * value limit is refused without ever holding a second copy of it. Not for sharing between threads
 * (bytes are cached).
 */
public final class Canonical {
  /** Lines are streamed through a buffer this large while hashing. */
  private static final int CHUNK = 1 << 20;

  /** Sorted lines, duplicates still in; null when the input is kept verbatim. */
  private final LineTable sorted;

  private final int lines;
  private final int linesRead;
  private final int droppedBlank;
  private final long size;
  private final String checksum;
  private byte[] bytes;

  private Canonical(
      LineTable sorted, int lines, int linesRead, int droppedBlank, long size, String checksum) {
    this.sorted = sorted;
    this.lines = lines;
    this.linesRead = linesRead;
    this.droppedBlank = droppedBlank;
    this.size = size;
    this.checksum = checksum;
  }

  /** Input kept as it is: the bytes are the input. */
  static Canonical verbatim(byte[] input, LineTable counted) {
    Canonical c =
        new Canonical(
            null, counted.count, counted.read, 0, input.length, Checksum.sha256Hex(input));
    c.bytes = input;
    return c;
  }

  /** Hashes sorted lines, dropping each line equal to the one before it. */
  static Canonical ofSorted(LineTable sorted) {
    long[] counts = new long[2];
    MessageDigest md = Checksum.digest();
    write(
        sorted,
        new byte[(int) Math.min(CHUNK, sorted.in.length + 1L)],
        (buf, n) -> md.update(buf, 0, n),
        counts);
    if (counts[1] > Integer.MAX_VALUE - 16) {
      throw KvexpressException.because(
          Reason.TOO_LARGE, "canonical output exceeds 2 GiB; split the file");
    }
    return new Canonical(
        sorted,
        (int) counts[0],
        sorted.read,
        sorted.blank,
        counts[1],
        HexFormat.of().formatHex(md.digest()));
  }

  public int lines() {
    return lines;
  }

  public int linesRead() {
    return linesRead;
  }

  public int droppedBlank() {
    return droppedBlank;
  }

  /** Duplicate lines merged into one. */
  public int merged() {
    return sorted == null ? 0 : sorted.count - lines;
  }

  /** Length of {@link #bytes()}, without assembling them. */
  public long size() {
    return size;
  }

  /** Lowercase hex SHA-256 of {@link #bytes()}. */
  public String checksum() {
    return checksum;
  }

  /**
   * The canonical bytes: non-blank lines, sorted, unique, each ending in LF. Assembled on first
   * use.
   */
  public byte[] bytes() {
    if (bytes == null) {
      byte[] out = new byte[(int) size];
      write(sorted, out, (buf, n) -> {}, new long[2]);
      bytes = out;
    }
    return bytes;
  }

  /**
   * Takes the first {@code length} bytes of a filled buffer, which is then filled again from the
   * start.
   */
  private interface Sink {
    void flush(byte[] buf, int length);
  }

  /**
   * Writes the unique sorted lines with their LFs into {@code buf}, handing it to {@code sink}
   * whenever it is full. Counts lines written into {@code counts[0]} and bytes into {@code
   * counts[1]}.
   */
  private static void write(LineTable t, byte[] buf, Sink sink, long[] counts) {
    byte[] in = t.in;
    int[] start = t.start;
    int[] len = t.len;
    int pos = 0;
    long kept = 0;
    long total = 0;
    int prevStart = -1;
    int prevLen = -1;
    for (int i = 0; i < t.count; i++) {
      int s = start[i];
      int l = len[i];
      if (l == prevLen && Arrays.equals(in, s, s + l, in, prevStart, prevStart + l)) {
        continue;
      }
      prevStart = s;
      prevLen = l;
      kept++;
      total += l + 1L;
      if (pos + l < buf.length) {
        System.arraycopy(in, s, buf, pos, l);
        pos += l;
        buf[pos++] = '\n';
        continue;
      }
      // The line does not fit: fill, flush, and go on, as often as it takes.
      int from = s;
      int rest = l;
      while (rest > 0) {
        if (pos == buf.length) {
          sink.flush(buf, pos);
          pos = 0;
        }
        int n = Math.min(rest, buf.length - pos);
        System.arraycopy(in, from, buf, pos, n);
        pos += n;
        from += n;
        rest -= n;
      }
      if (pos == buf.length) {
        sink.flush(buf, pos);
        pos = 0;
      }
      buf[pos++] = '\n';
    }
    sink.flush(buf, pos);
    counts[0] = kept;
    counts[1] = total;
  }

  @Override
  public String toString() {
    return "Canonical[lines=" + lines + ", size=" + size + ", checksum=" + checksum + "]";
  }
}
