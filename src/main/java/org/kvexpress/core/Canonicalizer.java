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
 * <p>Stateless; the sort is most-significant-chunk first over packed {@code long} keys, so a million
 * lines sort as primitives instead of through a comparator (see {@link Sorter}).
 */
public final class Canonicalizer {
  /** Above this many lines a plain comparator sort is used (the radix sort's arrays are ints). */
  private static final int PACKED_LIMIT = Integer.MAX_VALUE / 2;
  /** Runs of equal prefixes at most this long are finished with an insertion sort. */
  private static final int SMALL_RUN = 12;
  /** Inputs with at least this many lines get the 16-byte radix first level. */
  private static final int RADIX_MIN = 1 << 12;

  private Canonicalizer() {}

  /** The outcome of canonicalizing: the bytes and what was counted on the way. */
  public record Canonical(byte[] bytes, int lines, int linesRead, int droppedBlank, int merged, String checksum) {}

  public static Canonical canonicalize(byte[] input) {
    Lines lines = Lines.split(input);
    int n = lines.count;
    Sorter sorter = new Sorter(input, lines);
    int[] order = n < PACKED_LIMIT ? sorter.sort() : comparatorSort(input, lines);
    // Dedupe adjacent equal lines in place (order[kept] is never ahead of order[i]) and size the output.
    int[] unique = order;
    int kept = 0;
    long size = 0;
    for (int i = 0; i < n; i++) {
      int idx = order[i];
      if (kept > 0 && sorter.sameAsPrevious(i) && lines.equal(input, unique[kept - 1], idx)) {
        continue;
      }
      unique[kept++] = idx;
      size += lines.len[idx] + 1L;
    }
    if (size > Integer.MAX_VALUE - 16) {
      throw KvexpressException.refused("too_large", "canonical output exceeds 2 GiB; split the file");
    }
    sorter.release(); // the keys are dead now; let a collection reuse their space for the output
    byte[] out = new byte[(int) size];
    PipelinedDigest digest = new PipelinedDigest(out);
    int pos = 0;
    for (int i = 0; i < kept; i++) {
      int idx = unique[i];
      System.arraycopy(input, lines.start[idx], out, pos, lines.len[idx]);
      pos += lines.len[idx];
      out[pos++] = '\n';
      digest.written(pos);
    }
    return new Canonical(out, kept, lines.read, lines.blank, n - kept, digest.finish());
  }

  /** Counts the non-blank lines of any content: the measure every min-lines guard uses. */
  public static int countLines(byte[] content) {
    return Lines.split(content).count;
  }

  /** Counts lines and blanks of verbatim content without changing it. */
  public static Canonical verbatim(byte[] input) {
    Lines lines = Lines.split(input);
    return new Canonical(input, lines.count, lines.read, 0, 0, Checksum.sha256Hex(input));
  }

  /**
   * SHA-256 of the output while it is being written: for large outputs a second thread hashes each
   * finished 4 MiB slice, so hashing overlaps with copying instead of following it.
   */
  private static final class PipelinedDigest {
    private static final int SLICE = 4 << 20;
    private final byte[] out;
    private final java.security.MessageDigest md = Checksum.digest();
    private final java.util.concurrent.BlockingQueue<Integer> ends;
    private final Thread hasher;
    private int hashedTo;
    private int nextSlice = SLICE;

    PipelinedDigest(byte[] out) {
      this.out = out;
      if (out.length < 2 * SLICE) {
        ends = null;
        hasher = null;
        return;
      }
      ends = new java.util.concurrent.LinkedBlockingQueue<>();
      hasher = new Thread(() -> {
        try {
          int from = 0;
          while (from < out.length) {
            int to = ends.take();
            md.update(out, from, to - from);
            from = to;
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "kvexpress-digest");
      hasher.setDaemon(true);
      hasher.start();
    }

    /** Output bytes up to {@code pos} are final. */
    void written(int pos) {
      if (hasher != null && pos >= nextSlice) {
        ends.add(pos);
        hashedTo = pos;
        nextSlice = pos + SLICE;
      }
    }

    String finish() {
      if (hasher == null) {
        return Checksum.sha256Hex(out);
      }
      if (hashedTo < out.length) {
        ends.add(out.length);
      }
      try {
        hasher.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while hashing", e);
      }
      return java.util.HexFormat.of().formatHex(md.digest());
    }
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
   * Sorts line indices most-significant-chunk first. Each line's leading bytes become unsigned long keys
   * (zero-padded past its end), so every line is read once per level instead of once per comparison:
   * 16 bytes radix-sorted for the whole input, then, only for runs that tie on a whole chunk, the next
   * bytes. A run holding a line that ends inside the chunk (padding could tie with real NUL bytes) or a
   * short run is finished by direct comparison. The first-level keys stay in place for the dedupe pass,
   * which then reads only the lines whose keys tie.
   */
  private static final class Sorter {
    private final byte[] in;
    private final Lines lines;
    private final int n;
    private final int[] order;
    private long[] hi;
    private long[] lo;

    Sorter(byte[] in, Lines lines) {
      this.in = in;
      this.lines = lines;
      this.n = lines.count;
      this.order = new int[n];
      for (int i = 0; i < n; i++) {
        order[i] = i;
      }
    }

    int[] sort() {
      Deque<int[]> work = new ArrayDeque<>();
      if (n >= RADIX_MIN) {
        firstLevel(work);
      } else {
        work.push(new int[] {0, n, 0});
      }
      long[] scratch = null;
      while (!work.isEmpty()) {
        int[] job = work.pop();
        int from = job[0];
        int to = job[1];
        int depth = job[2];
        int size = to - from;
        if (size <= SMALL_RUN) {
          sortSmallRun(in, lines, order, from, to);
          continue;
        }
        if (size >= 1 << 16) {
          // Positions need 16 bits below the key; a run this large is rare (a huge common prefix).
          sortRunByComparison(in, lines, order, from, to);
          continue;
        }
        if (scratch == null) {
          scratch = new long[Math.min(n, 1 << 16)];
        }
        // 6 bytes of key, then the line's 16-bit position in the run: sortable as plain longs.
        for (int i = from; i < to; i++) {
          scratch[i - from] = (pack(order[i], depth, 6) << 16 | (i - from)) ^ Long.MIN_VALUE;
        }
        Arrays.sort(scratch, 0, size);
        int[] before = Arrays.copyOfRange(order, from, to);
        for (int i = 0; i < size; i++) {
          order[from + i] = before[(int) ((scratch[i] ^ Long.MIN_VALUE) & 0xFFFF)];
        }
        int i = 0;
        while (i < size) {
          long key = scratch[i] >>> 16;
          int j = i + 1;
          boolean allContinue = lines.len[order[from + i]] > depth + 6;
          while (j < size && scratch[j] >>> 16 == key) {
            allContinue &= lines.len[order[from + j]] > depth + 6;
            j++;
          }
          splitRun(work, from + i, from + j, depth + 6, allContinue);
          i = j;
        }
      }
      return order;
    }

    /** Radix-sorts all lines by their first 16 bytes (hi, then lo, as two unsigned longs). */
    private void firstLevel(Deque<int[]> work) {
      hi = new long[n];
      lo = new long[n];
      for (int i = 0; i < n; i++) {
        hi[i] = pack(i, 0, 8);
        lo[i] = pack(i, 8, 8);
      }
      radixSort();
      int i = 0;
      while (i < n) {
        int j = i + 1;
        boolean allContinue = lines.len[order[i]] > 16;
        while (j < n && hi[j] == hi[i] && lo[j] == lo[i]) {
          allContinue &= lines.len[order[j]] > 16;
          j++;
        }
        splitRun(work, i, j, 16, allContinue);
        i = j;
      }
    }

    private void splitRun(Deque<int[]> work, int from, int to, int nextDepth, boolean allContinue) {
      if (to - from > 1) {
        if (allContinue) {
          work.push(new int[] {from, to, nextDepth});
        } else {
          sortRunByComparison(in, lines, order, from, to);
        }
      }
    }

    /** Drops the first-level keys once deduplication no longer needs them. */
    void release() {
      hi = null;
      lo = null;
    }

    /**
     * Whether the line at sorted position {@code i} may equal the one before it. Different first-level
     * keys prove two lines differ without reading them; so do equal keys of two lines that both fit in
     * the key but differ in length.
     */
    boolean sameAsPrevious(int i) {
      if (hi == null || i == 0) {
        return true;
      }
      if (hi[i] != hi[i - 1] || lo[i] != lo[i - 1]) {
        return false;
      }
      int a = lines.len[order[i]];
      int b = lines.len[order[i - 1]];
      return a == b || (a > 16 && b > 16);
    }

    /** {@code width} bytes of a line from {@code depth}, big-endian, zero-padded past its end. */
    private long pack(int idx, int depth, int width) {
      int remaining = Math.min(width, lines.len[idx] - depth);
      int base = lines.start[idx] + depth;
      long key = 0;
      for (int k = 0; k < width; k++) {
        key = (key << 8) | (k < remaining ? in[base + k] & 0xFF : 0);
      }
      return key;
    }

    /**
     * LSD radix sort of (hi, lo) keys with the line indices alongside, 16-bit digits from the least
     * significant; a digit on which every key agrees (a common "10.0." prefix) costs one counting pass.
     */
    private void radixSort() {
      int[] count = new int[1 << 16];
      long[] hiTmp = new long[n];
      long[] loTmp = new long[n];
      int[] orderTmp = new int[n];
      long[] srcHi = hi;
      long[] srcLo = lo;
      int[] srcOrder = order;
      long[] dstHi = hiTmp;
      long[] dstLo = loTmp;
      int[] dstOrder = orderTmp;
      for (int pass = 0; pass < 8; pass++) {
        long[] digits = pass < 4 ? srcLo : srcHi;
        int shift = (pass % 4) * 16;
        Arrays.fill(count, 0);
        for (int i = 0; i < n; i++) {
          count[(int) ((digits[i] >>> shift) & 0xFFFF)]++;
        }
        if (count[(int) ((digits[0] >>> shift) & 0xFFFF)] == n) {
          continue;
        }
        int sum = 0;
        for (int d = 0; d < count.length; d++) {
          int c = count[d];
          count[d] = sum;
          sum += c;
        }
        for (int i = 0; i < n; i++) {
          int p = count[(int) ((digits[i] >>> shift) & 0xFFFF)]++;
          dstHi[p] = srcHi[i];
          dstLo[p] = srcLo[i];
          dstOrder[p] = srcOrder[i];
        }
        long[] t = srcHi;
        srcHi = dstHi;
        dstHi = t;
        t = srcLo;
        srcLo = dstLo;
        dstLo = t;
        int[] o = srcOrder;
        srcOrder = dstOrder;
        dstOrder = o;
      }
      if (srcOrder != order) {
        System.arraycopy(srcHi, 0, hi, 0, n);
        System.arraycopy(srcLo, 0, lo, 0, n);
        System.arraycopy(srcOrder, 0, order, 0, n);
      }
    }
  }

  private static void sortRunByComparison(byte[] in, Lines lines, int[] order, int from, int to) {
    if (to - from <= SMALL_RUN) {
      sortSmallRun(in, lines, order, from, to);
      return;
    }
    Integer[] boxed = new Integer[to - from];
    for (int i = from; i < to; i++) {
      boxed[i - from] = order[i];
    }
    Arrays.sort(boxed, (a, b) -> lines.compare(in, a, b));
    for (int i = from; i < to; i++) {
      order[i] = boxed[i - from];
    }
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
    int[] start;
    int[] len;
    int count;
    int read;
    int blank;

    private Lines(int capacity) {
      start = new int[capacity];
      len = new int[capacity];
    }

    static Lines split(byte[] in) {
      // Count first, so the arrays are allocated once at their final size instead of doubled and copied.
      int breaks = 0;
      for (byte b : in) {
        if (b == '\n') {
          breaks++;
        }
      }
      Lines lines = new Lines(breaks + 1);
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
