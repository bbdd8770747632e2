package org.kvexpress.core;

import java.util.Arrays;

/**
 * Sorts a {@link LineTable} in place into unsigned byte order: a most-significant-digit radix sort
 * over the 16-byte keys (American flag sort, so no second copy of the arrays), which reads the
 * lines themselves only to load deeper keys for groups that tie on all 16 bytes, and compares whole
 * lines only in groups of at most {@link #SMALL} lines.
 *
 * <p>Each pass first finds the highest bit on which the group's keys differ and takes its digit
 * from there, so a prefix every line shares ("10.", "address=/") costs one scan, not one pass per
 * byte.
 */
final class LineSorter {
  /** Groups this small are finished by insertion sort. */
  private static final int SMALL = 12;

  /**
   * Larger groups are split by a 16-bit digit in place; smaller ones sort 48 bits at once (see
   * sortPacked).
   */
  private static final int PACKED_MAX = 1 << 14;

  private static final long KEY48 = (1L << 48) - 1;

  private final LineTable t;
  private final long[] hi;
  private final long[] lo;

  /**
   * Bucket bounds and the packed sort's scratch, made when first needed and reused across passes.
   */
  private int[] next;

  private int[] end;
  private int[] begin;
  private long[] packed;
  private long[] packedTmp;
  private final int[] counts = new int[6 * 256];
  private int[] startCopy;
  private int[] lenCopy;
  private long[] hiCopy;
  private long[] loCopy;

  /** Pending groups as (from, to, depth) triples. */
  private int[] stack = new int[3 * 64];

  private int top;

  private LineSorter(LineTable t) {
    this.t = t;
    this.hi = t.hi;
    this.lo = t.lo;
  }

  static void sort(LineTable t) {
    LineSorter sorter = new LineSorter(t);
    sorter.push(0, t.count, 0);
    sorter.run();
  }

  private void run() {
    while (top > 0) {
      step();
    }
  }

  /** Takes the group on top of the stack one pass further. */
  private void step() {
    top -= 3;
    int from = stack[top];
    int to = stack[top + 1];
    int depth = stack[top + 2];
    if (to - from <= SMALL) {
      insertionSort(from, to);
      return;
    }
    long hiDiff = 0;
    long loDiff = 0;
    long h0 = hi[from];
    long l0 = lo[from];
    for (int i = from + 1; i < to; i++) {
      hiDiff |= hi[i] ^ h0;
      loDiff |= lo[i] ^ l0;
    }
    if ((hiDiff | loDiff) == 0) {
      sameKeys(from, to, depth);
      return;
    }
    // Bit positions count from the low end of the 128-bit key hi:lo.
    int highest =
        hiDiff != 0
            ? 127 - Long.numberOfLeadingZeros(hiDiff)
            : 63 - Long.numberOfLeadingZeros(loDiff);
    if (to - from > PACKED_MAX) {
      distribute(from, to, depth, Math.max(0, highest - 15));
    } else {
      sortPacked(from, to, depth, Math.max(0, highest - 47));
    }
  }

  /**
   * One American-flag pass on the 16-bit digit at {@code shift}; each resulting group of two or
   * more is pushed.
   */
  private void distribute(int from, int to, int depth, int shift) {
    int buckets = 1 << 16;
    int mask = buckets - 1;
    if (next == null) {
      next = new int[buckets + 1];
      end = new int[buckets];
      begin = new int[buckets];
    }
    Arrays.fill(next, 0);
    for (int i = from; i < to; i++) {
      next[((int) bits(i, shift) & mask) + 1]++;
    }
    next[0] = from;
    for (int b = 0; b < buckets; b++) {
      next[b + 1] += next[b];
      end[b] = next[b + 1];
    }
    System.arraycopy(next, 0, begin, 0, buckets);
    for (int b = 0; b < buckets; b++) {
      while (next[b] < end[b]) {
        int i = next[b];
        int d = (int) bits(i, shift) & mask;
        if (d == b) {
          next[b]++;
        } else {
          t.swap(i, next[d]++);
        }
      }
    }
    for (int b = 0; b < buckets; b++) {
      if (end[b] - begin[b] > 1) {
        push(begin[b], end[b], depth);
      }
    }
  }

  /**
   * Sorts a group of at most {@link #PACKED_MAX} lines by the 48 key bits from {@code shift},
   * packed above each line's 16-bit position into one long and radix-sorted in cache, then moves
   * the lines into that order. Runs that tie on those bits are pushed again; the next pass starts
   * below the bits they share.
   */
  private void sortPacked(int from, int to, int depth, int shift) {
    int size = to - from;
    if (packed == null) {
      packed = new long[PACKED_MAX];
      packedTmp = new long[PACKED_MAX];
      startCopy = new int[PACKED_MAX];
      lenCopy = new int[PACKED_MAX];
      hiCopy = new long[PACKED_MAX];
      loCopy = new long[PACKED_MAX];
    }
    for (int i = 0; i < size; i++) {
      packed[i] = (bits(from + i, shift) & KEY48) << 16 | i;
    }
    radixSortKeys(size);
    System.arraycopy(t.start, from, startCopy, 0, size);
    System.arraycopy(t.len, from, lenCopy, 0, size);
    System.arraycopy(hi, from, hiCopy, 0, size);
    System.arraycopy(lo, from, loCopy, 0, size);
    for (int i = 0; i < size; i++) {
      int j = (int) packed[i] & 0xFFFF;
      t.start[from + i] = startCopy[j];
      t.len[from + i] = lenCopy[j];
      hi[from + i] = hiCopy[j];
      lo[from + i] = loCopy[j];
    }
    int i = 0;
    while (i < size) {
      long key = packed[i] >>> 16;
      int j = i + 1;
      while (j < size && packed[j] >>> 16 == key) {
        j++;
      }
      if (j - i > 1) {
        push(from + i, from + j, depth);
      }
      i = j;
    }
  }

  /**
   * LSD radix sort of {@code packed[0, size)} by bits 16 to 63, a byte at a time; a byte on which
   * all keys agree costs nothing. Simple loops rather than the JDK's quicksort, whose size the JIT
   * would spend a long time compiling during a one-shot run.
   */
  private void radixSortKeys(int size) {
    Arrays.fill(counts, 0);
    for (int i = 0; i < size; i++) {
      long k = packed[i];
      for (int d = 0; d < 6; d++) {
        counts[d << 8 | (int) (k >>> (16 + 8 * d)) & 0xFF]++;
      }
    }
    long[] src = packed;
    long[] dst = packedTmp;
    for (int d = 0; d < 6; d++) {
      int shift = 16 + 8 * d;
      int base = d << 8;
      if (counts[base | (int) (src[0] >>> shift) & 0xFF] == size) {
        continue;
      }
      int sum = 0;
      for (int b = base; b < base + 256; b++) {
        int c = counts[b];
        counts[b] = sum;
        sum += c;
      }
      for (int i = 0; i < size; i++) {
        long k = src[i];
        dst[counts[base | (int) (k >>> shift) & 0xFF]++] = k;
      }
      long[] t = src;
      src = dst;
      dst = t;
    }
    if (src != packed) {
      System.arraycopy(src, 0, packed, 0, size);
    }
  }

  /**
   * The key bits of line {@code i} from bit {@code shift} of hi:lo upward (the caller masks the
   * width). Branch-free on purpose: the shift changes from group to group, and a branch the JIT has
   * only seen go one way is compiled as a trap that recompiles the whole loop when it goes the
   * other.
   */
  private long bits(int i, int shift) {
    long below = lo[i] >>> shift | hi[i] << 1 << (63 - shift); // right for shift < 64
    long above = hi[i] >>> (shift - 64); // right for shift >= 64
    long useBelow = (shift - 64) >> 31; // all ones when shift < 64
    return below & useBelow | above & ~useBelow;
  }

  /**
   * A group whose lines agree on every byte up to {@code depth + 16}, counting bytes past a line's
   * end as zero. A line that ends inside that window is a prefix of every longer one, so those
   * lines come first, shortest first (two of equal length are equal); the rest get the next 16
   * bytes as keys.
   */
  private void sameKeys(int from, int to, int depth) {
    int window = depth + 16;
    int split = from;
    for (int i = from; i < to; i++) {
      if (t.len[i] <= window) {
        t.swap(i, split++);
      }
    }
    if (split - from > 1) {
      sortByLength(from, split);
    }
    if (to - split > 1) {
      for (int i = split; i < to; i++) {
        hi[i] = t.key(t.start[i], t.len[i], window);
        lo[i] = t.key(t.start[i], t.len[i], window + 8);
      }
      push(split, to, window);
    }
  }

  private void sortByLength(int from, int to) {
    long[] packed = new long[to - from];
    for (int i = from; i < to; i++) {
      packed[i - from] = (long) t.len[i] << 32 | t.start[i];
    }
    Arrays.sort(packed);
    for (int i = from; i < to; i++) {
      t.len[i] = (int) (packed[i - from] >>> 32);
      t.start[i] = (int) packed[i - from];
    }
  }

  /**
   * Keys first (unsigned), whole lines when they tie: exact for any group whose keys share a depth.
   */
  private void insertionSort(int from, int to) {
    for (int i = from + 1; i < to; i++) {
      int j = i;
      while (j > from && greater(j - 1, j)) {
        t.swap(j - 1, j);
        j--;
      }
    }
  }

  private boolean greater(int a, int b) {
    int c = Long.compareUnsigned(hi[a], hi[b]);
    if (c == 0) {
      c = Long.compareUnsigned(lo[a], lo[b]);
    }
    if (c == 0) {
      c = t.compare(a, b);
    }
    return c > 0;
  }

  private void push(int from, int to, int depth) {
    if (top + 3 > stack.length) {
      stack = Arrays.copyOf(stack, stack.length * 2);
    }
    stack[top++] = from;
    stack[top++] = to;
    stack[top++] = depth;
  }
}
