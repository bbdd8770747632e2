package org.kvexpress.core;

/**
 * Canonical form of a rendered configuration: lines split on LF, trailing CRs dropped from each,
 * blank lines dropped, the rest sorted in unsigned byte order and deduplicated, joined with LF and
 * ending in LF. The result equals {@code LC_ALL=C sort -u} of the same non-blank, LF-normalized
 * lines, byte for byte; bytes are never decoded, so non-UTF-8 input survives unchanged.
 *
 * <p>Three passes: {@link LineTable} splits and keys the lines, {@link LineSorter} sorts them in
 * place, and {@link Canonical} hashes them while dropping duplicates.
 */
public final class Canonicalizer {
  private Canonicalizer() {}

  public static Canonical canonicalize(byte[] input) {
    LineTable lines = LineTable.split(input, true);
    LineSorter.sort(lines);
    lines.hi = null; // the keys are dead now; let a collection reuse their space
    lines.lo = null;
    return Canonical.ofSorted(lines);
  }

  /** Counts the non-blank lines of any content: the measure every min-lines guard uses. */
  public static int countLines(byte[] content) {
    return LineTable.countNonBlank(content);
  }

  /** Counts lines and blanks of verbatim content without changing it. */
  public static Canonical verbatim(byte[] input) {
    return Canonical.verbatim(input, LineTable.split(input, false));
  }

  static boolean isBlankByte(byte b) {
    return b == ' ' || b == '\t' || b == '\r' || b == 0x0B || b == 0x0C;
  }
}
