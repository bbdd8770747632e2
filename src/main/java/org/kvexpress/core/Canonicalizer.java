package org.kvexpress.core;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/**
 * Canonical form of a rendered configuration: lines split on LF, trailing CRs dropped from each, blank
 * lines dropped, the rest sorted in unsigned byte order and deduplicated, joined with LF and ending in LF.
 * The result equals {@code LC_ALL=C sort -u} of the same non-blank, LF-normalized lines, byte for byte;
 * bytes are never decoded, so non-UTF-8 input survives unchanged.
 *
 * <p>Instances are stateless; the sort is a most-significant-chunk-first sort over packed {@code long}
 * keys, so a million lines sort as primitives instead of through a comparator.
 */
public final class Canonicalizer {
  /** How many lines the packed-key sort can index (24 bits); above it a plain comparator sort is used. */
  private static final int PACKED_LIMIT = 1 << 24;
  /** Runs of equal prefixes at most this long are finished with a direct comparison sort. */
  private static final int SMALL_RUN = 12;

  private Canonicalizer() {}

  /** The outcome of canonicalizing: the bytes and what was counted on the way. */
  public record Canonical(byte[] bytes, int lines, int linesRead, int droppedBlank, int merged) {}

  public static Canonical canonicalize(byte[] input) {
    Lines lines = Lines.split(input);
    int n = lines.count;
    int[] order = n < PACKED_LIMIT ? packedSort(input, lines) : comparatorSort(input, lines);
    // Dedupe adjacent equal lines and size the output exactly.
    int[] unique = new int[n];
    int kept = 0;
    long size = 0;
    for (int i = 0; i < n; i++) {
      int idx = order[i];
      if (kept > 0 && lines.equal(input, unique[kept - 1], idx)) {
        continue;
      }
      unique[kept++] = idx;
      size += lines.len[idx] + 1L;
    }
    if (size > Integer.MAX_VALUE - 16) {
      throw KvexpressException.refused("too_large", "canonical output exceeds 2 GiB; split the file");
    }
    byte[] out = new byte[(int) size];
    int pos = 0;
    for (int i = 0; i < kept; i++) {
      int idx = unique[i];
      System.arraycopy(input, lines.start[idx], out, pos, lines.len[idx]);
      pos += lines.len[idx];
      out[pos++] = '\n';
    }
    return new Canonical(out, kept, lines.read, lines.blank, n - kept);
  }

  /** Counts the non-blank lines of any content: the measure every min-lines guard uses. */
  public static int countLines(byte[] content) {
    return Lines.split(content).count;
  }

  /** Counts lines and blanks of verbatim content without changing it. */
  public static Canonical verbatim(byte[] input) {
    Lines lines = Lines.split(input);
    return new Canonical(input, lines.count, lines.read, 0, 0);
  }

  static boolean isBlankByte(byte b) {
    return b == ' ' || b == '\t' || b == '\r' || b == 0x0B || b == 0x0C;
  }

  private static int[] comparatorSort(byte[] in, Lines lines) {
    Integer[] boxed = new Integer[lines.count];
    for (int i = 0; i < boxed.length; i++) {
      boxed[i] = i;
    }
    Arrays.sort(boxed, (a, b) -> lines.compare(in, a, b));
    int[] order = new int[boxed.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = boxed[i];
    }
    return order;
  }

  /**
   * Sorts line indices by packing (next 4 bytes, how many bytes remain, index) into one long, sorting the
   * longs, and descending only into runs whose 4-byte chunk ties and whose lines go on.
   */
  private static int[] packedSort(byte[] in, Lines lines) {
    int n = lines.count;
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    long[] keys = new long[n];
    Deque<int[]> work = new ArrayDeque<>();
    work.push(new int[] {0, n, 0});
    while (!work.isEmpty()) {
      int[] job = work.pop();
      int from = job[0];
      int to = job[1];
      int depth = job[2];
      if (to - from <= SMALL_RUN) {
        sortSmallRun(in, lines, order, from, to);
        continue;
      }
      for (int i = from; i < to; i++) {
        keys[i] = packKey(in, lines, order[i], depth);
      }
      Arrays.sort(keys, from, to);
      for (int i = from; i < to; i++) {
        order[i] = (int) (keys[i] & 0xFFFFFF);
      }
      // Runs that tie on the chunk and all go on past it need the next chunk.
      int i = from;
      while (i < to) {
        long group = keys[i] >>> 24;
        int j = i + 1;
        while (j < to && (keys[j] >>> 24) == group) {
          j++;
        }
        boolean continues = (group & 0xFF) == 5;
        if (continues && j - i > 1) {
          work.push(new int[] {i, j, depth + 4});
        }
        i = j;
      }
    }
    return order;
  }

  private static long packKey(byte[] in, Lines lines, int idx, int depth) {
    int remaining = lines.len[idx] - depth;
    int base = lines.start[idx] + depth;
    long chunk = 0;
    for (int k = 0; k < 4; k++) {
      chunk <<= 8;
      if (k < remaining) {
        chunk |= in[base + k] & 0xFF;
      }
    }
    long lengthClass = remaining > 4 ? 5 : remaining;
    // Flip the sign bit so that signed long order is unsigned byte order.
    return ((chunk << 32) | (lengthClass << 24) | idx) ^ Long.MIN_VALUE;
  }

  private static void sortSmallRun(byte[] in, Lines lines, int[] order, int from, int to) {
    // Insertion sort: runs here are at most SMALL_RUN long.
    for (int i = from + 1; i < to; i++) {
      int v = order[i];
      int j = i - 1;
      while (j >= from && lines.compare(in, order[j], v) > 0) {
        order[j + 1] = order[j];
        j--;
      }
      order[j + 1] = v;
    }
  }

  /** The non-blank lines of an input as (start, length) pairs into it, plus counts. */
  private static final class Lines {
    int[] start = new int[1024];
    int[] len = new int[1024];
    int count;
    int read;
    int blank;

    static Lines split(byte[] in) {
      Lines lines = new Lines();
      int pos = 0;
      while (pos < in.length) {
        int nl = indexOf(in, (byte) '\n', pos);
        int end = nl < 0 ? in.length : nl;
        lines.read++;
        int e = end;
        // Every trailing CR goes, not only the CRLF one, so that canonicalizing is idempotent.
        while (e > pos && in[e - 1] == '\r') {
          e--;
        }
        if (isBlank(in, pos, e)) {
          lines.blank++;
        } else {
          lines.add(pos, e - pos);
        }
        pos = nl < 0 ? in.length : nl + 1;
      }
      return lines;
    }

    private static int indexOf(byte[] in, byte b, int from) {
      for (int i = from; i < in.length; i++) {
        if (in[i] == b) {
          return i;
        }
      }
      return -1;
    }

    private static boolean isBlank(byte[] in, int from, int to) {
      for (int i = from; i < to; i++) {
        if (!isBlankByte(in[i])) {
          return false;
        }
      }
      return true;
    }

    void add(int s, int l) {
      if (count == start.length) {
        int cap = start.length * 2;
        start = Arrays.copyOf(start, cap);
        len = Arrays.copyOf(len, cap);
      }
      start[count] = s;
      len[count] = l;
      count++;
    }

    int compare(byte[] in, int a, int b) {
      return Arrays.compareUnsigned(in, start[a], start[a] + len[a], in, start[b], start[b] + len[b]);
    }

    boolean equal(byte[] in, int a, int b) {
      return len[a] == len[b] && Arrays.equals(in, start[a], start[a] + len[a], in, start[b], start[b] + len[b]);
    }
  }
}
