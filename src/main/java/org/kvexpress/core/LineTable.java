package org.kvexpress.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The non-blank lines of an input as parallel arrays: where each starts, how long it is (trailing
 * CRs excluded), and its first 16 bytes as two big-endian sort keys. Built in one sequential pass,
 * because reading each line while it is in cache is far cheaper than coming back to it during the
 * sort.
 */
final class LineTable {
  private static final VarHandle LONG_BE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle LONG_LE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long LOW7 = 0x7F7F7F7F7F7F7F7FL;
  private static final long NEWLINES = ONES * '\n';

  final byte[] in;
  final int[] start;
  final int[] len;

  /** Key bytes [depth, depth + 8) and [depth + 8, depth + 16) of each line, zero past its end. */
  long[] hi;

  long[] lo;
  int count;
  int read;
  int blank;

  private LineTable(byte[] in, int capacity, boolean keys) {
    this.in = in;
    start = new int[capacity];
    len = new int[capacity];
    hi = keys ? new long[capacity] : null;
    lo = keys ? new long[capacity] : null;
  }

  /** Splits {@code in} on LF; {@code keys} also fills the depth-0 sort keys. */
  static LineTable split(byte[] in, boolean keys) {
    LineTable t = new LineTable(in, countNewlines(in) + 1, keys);
    int lineStart = 0;
    int word = 0;
    // Eight bytes at a time: each set bit of the mask is a newline; lines between them are
    // recorded.
    for (; word + 8 <= in.length; word += 8) {
      long mask = newlineMask((long) LONG_LE.get(in, word));
      while (mask != 0) {
        int nl = word + (Long.numberOfTrailingZeros(mask) >>> 3);
        t.add(lineStart, nl);
        lineStart = nl + 1;
        mask &= mask - 1;
      }
    }
    for (; word < in.length; word++) {
      if (in[word] == '\n') {
        t.add(lineStart, word);
        lineStart = word + 1;
      }
    }
    if (lineStart < in.length) {
      t.add(lineStart, in.length);
    }
    return t;
  }

  /**
   * Counts non-blank lines without recording them: what every apply does to the content it writes.
   */
  static int countNonBlank(byte[] in) {
    int count = 0;
    int i = 0;
    while (i < in.length) {
      while (i < in.length && in[i] != '\n' && Canonicalizer.isBlankByte(in[i])) {
        i++;
      }
      if (i < in.length && in[i] != '\n') {
        count++;
        while (i < in.length && in[i] != '\n') {
          i++;
        }
      }
      i++;
    }
    return count;
  }

  /**
   * Records the line [from, to): every trailing CR goes (so canonicalizing is idempotent), blanks
   * only count.
   */
  private void add(int from, int to) {
    read++;
    int end = to;
    while (end > from && in[end - 1] == '\r') {
      end--;
    }
    int first = from;
    while (first < end && Canonicalizer.isBlankByte(in[first])) {
      first++;
    }
    if (first == end) {
      blank++;
      return;
    }
    int l = end - from;
    start[count] = from;
    len[count] = l;
    if (hi != null) {
      hi[count] = key(from, l, 0);
      lo[count] = key(from, l, 8);
    }
    count++;
  }

  /**
   * Eight bytes of a line from {@code offset}, big-endian so unsigned order is byte order; zero
   * past its end.
   */
  long key(int from, int length, int offset) {
    int remaining = length - offset;
    if (remaining <= 0) {
      return 0;
    }
    int at = from + offset;
    if (at + 8 > in.length) {
      long k = 0;
      for (int i = 0; i < 8; i++) {
        k = k << 8 | (i < remaining ? in[at + i] & 0xFF : 0);
      }
      return k;
    }
    long k = (long) LONG_BE.get(in, at);
    return remaining >= 8 ? k : k & (-1L << ((8 - remaining) << 3));
  }

  /** Unsigned byte order of two whole lines. */
  int compare(int a, int b) {
    return Arrays.compareUnsigned(in, start[a], start[a] + len[a], in, start[b], start[b] + len[b]);
  }

  /** Swaps two lines in all four arrays. */
  void swap(int a, int b) {
    swap(start, a, b);
    swap(len, a, b);
    swap(hi, a, b);
    swap(lo, a, b);
  }

  private static void swap(int[] x, int a, int b) {
    int t = x[a];
    x[a] = x[b];
    x[b] = t;
  }

  private static void swap(long[] x, int a, int b) {
    long t = x[a];
    x[a] = x[b];
    x[b] = t;
  }

  private static int countNewlines(byte[] in) {
    int n = 0;
    int i = 0;
    for (; i + 8 <= in.length; i += 8) {
      n += Long.bitCount(newlineMask((long) LONG_LE.get(in, i)));
    }
    for (; i < in.length; i++) {
      if (in[i] == '\n') {
        n++;
      }
    }
    return n;
  }

  /**
   * The high bit of every byte of {@code word} that is '\n', and no other bits (exact, no borrow
   * errors).
   */
  private static long newlineMask(long word) {
    long x = word ^ NEWLINES;
    return ~(((x & LOW7) + LOW7) | x | LOW7);
  }
}
