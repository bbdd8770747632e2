package org.kvexpress.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Properties of canonicalization over random bytes, checked against a plain reference and GNU sort.
 */
class CanonicalizerPropertyTest {
  /** The obvious implementation: split, strip trailing CRs, drop blanks, sort unsigned, dedupe. */
  static byte[] reference(byte[] in) {
    TreeSet<byte[]> set = new TreeSet<>(Arrays::compareUnsigned);
    int start = 0;
    for (int i = 0; i <= in.length; i++) {
      if (i == in.length || in[i] == '\n') {
        int end = i;
        while (end > start && in[end - 1] == '\r') {
          end--;
        }
        byte[] line = Arrays.copyOfRange(in, start, end);
        boolean blank = true;
        for (byte b : line) {
          blank &= Canonicalizer.isBlankByte(b);
        }
        if (!blank) {
          set.add(line);
        }
        start = i + 1;
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] line : set) {
      out.writeBytes(line);
      out.write('\n');
    }
    return out.toByteArray();
  }

  /**
   * Random lines from a small alphabet, so prefixes, duplicates, NUL, CR and high bytes are common.
   */
  static byte[] randomInput(Random r, int lines) {
    byte[] alphabet = {'a', 'b', 0, (byte) 0xff, (byte) 0x80, ' ', '\t', '\r', 'z', '.', '1'};
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < lines; i++) {
      int len = r.nextInt(r.nextBoolean() ? 4 : 40);
      for (int j = 0; j < len; j++) {
        out.write(alphabet[r.nextInt(alphabet.length)]);
      }
      if (i < lines - 1 || r.nextBoolean()) {
        out.write('\n');
      }
    }
    return out.toByteArray();
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
  void matchesReferenceIsIdempotentAndIgnoresOrder(long seed) {
    Random r = new Random(seed);
    for (int round = 0; round < 30; round++) {
      byte[] in = randomInput(r, r.nextInt(r.nextBoolean() ? 20 : 3000));
      byte[] canon = Canonicalizer.canonicalize(in).bytes();
      assertThat(canon).isEqualTo(reference(in));
      assertThat(Canonicalizer.canonicalize(canon).bytes()).as("idempotent").isEqualTo(canon);
      assertThat(Canonicalizer.canonicalize(shuffleLines(in, r)).bytes())
          .as("order-independent")
          .isEqualTo(canon);
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {21, 22, 23})
  void countLinesCountsEveryNonBlankLine(long seed) {
    Random r = new Random(seed);
    for (int round = 0; round < 50; round++) {
      byte[] in = randomInput(r, r.nextInt(200));
      Canonical c = Canonicalizer.canonicalize(in);
      assertThat(Canonicalizer.countLines(in)).isEqualTo(c.lines() + c.merged());
      assertThat(Canonicalizer.verbatim(in).lines()).isEqualTo(c.lines() + c.merged());
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {11, 12, 13})
  void largeInputsTakeTheRadixPathAndStillMatch(long seed) {
    Random r = new Random(seed);
    byte[] in = randomInput(r, 20_000 + r.nextInt(20_000));
    byte[] canon = Canonicalizer.canonicalize(in).bytes();
    assertThat(canon).isEqualTo(reference(in));
    assertThat(Canonicalizer.canonicalize(shuffleLines(in, r)).bytes()).isEqualTo(canon);
  }

  @Test
  void largeInputsWithDuplicatesAcrossTheWholeRangeMatchTheReference() {
    Random r = new Random(99);
    StringBuilder b = new StringBuilder();
    while (b.length() < 6 << 20) {
      // Duplicates that land in both halves, shared prefixes, and CRs and blanks on the way.
      b.append(
              r.nextInt(3) == 0
                  ? "dup-" + r.nextInt(1000)
                  : "10." + r.nextInt(256) + "." + r.nextInt(256) + " h")
          .append(r.nextInt(20) == 0 ? "\r\n\n" : "\n");
    }
    byte[] in = b.toString().getBytes();
    Canonical c = Canonicalizer.canonicalize(in);
    assertThat(c.bytes()).isEqualTo(reference(in));
    assertThat(c.checksum()).isEqualTo(Checksum.sha256Hex(c.bytes()));
    assertThat(Canonicalizer.canonicalize(shuffleLines(in, r)).bytes()).isEqualTo(c.bytes());
  }

  @Test
  void largeInputsOfAwkwardBytesMatchTheReference() {
    // Past the in-place split size, with NULs, CRs, high bytes and shared prefixes.
    Random r = new Random(77);
    byte[] in = randomInput(r, 300_000);
    assertThat(Canonicalizer.canonicalize(in).bytes()).isEqualTo(reference(in));
  }

  @Test
  void linesLongerThanTheHashingChunkAreHashedWhole() {
    byte[] in =
        ("z".repeat(5 << 20) + "\n" + "a\n".repeat(1000) + "m".repeat(1 << 20) + "\n").getBytes();
    Canonical c = Canonicalizer.canonicalize(in);
    assertThat(c.bytes()).isEqualTo(reference(in));
    assertThat(c.checksum()).isEqualTo(Checksum.sha256Hex(c.bytes()));
    assertThat(c.size()).isEqualTo(c.bytes().length);
  }

  @Test
  void manyLinesWithALongCommonPrefixAndDuplicates() {
    Random r = new Random(5);
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 70_000; i++) {
      b.append("    server backend-")
          .append(r.nextInt(40_000))
          .append(r.nextBoolean() ? "" : " check")
          .append('\n');
    }
    byte[] in = b.toString().getBytes();
    assertThat(Canonicalizer.canonicalize(in).bytes()).isEqualTo(reference(in));
  }

  @Test
  void checksumIsTheSha256OfTheOutputSmallAndLarge() {
    for (int lines : new int[] {10, 2_000_000}) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < lines; i++) {
        b.append("line-").append(i * 7919 % lines).append('\n');
      }
      Canonical c = Canonicalizer.canonicalize(b.toString().getBytes());
      assertThat(c.bytes().length).isGreaterThan(lines == 10 ? 0 : 8 << 20);
      assertThat(c.checksum()).isEqualTo(Checksum.sha256Hex(c.bytes()));
    }
    byte[] raw = "b\na\n".getBytes();
    assertThat(Canonicalizer.verbatim(raw).checksum()).isEqualTo(Checksum.sha256Hex(raw));
  }

  @Test
  void longSharedPrefixesSortCorrectly() {
    String common = "x".repeat(5000);
    byte[] in =
        (common + "b\n" + common + "a\n" + common + "\n" + common + "a\n" + "y\n").getBytes();
    assertThat(Canonicalizer.canonicalize(in).bytes()).isEqualTo(reference(in));
  }

  @Test
  void countsReadDroppedAndMerged() {
    Canonical c = Canonicalizer.canonicalize("b\n\n  \na\nb\nb\r\n".getBytes());
    assertThat(c.linesRead()).isEqualTo(6);
    assertThat(c.droppedBlank()).isEqualTo(2);
    assertThat(c.merged()).isEqualTo(2);
    assertThat(c.lines()).isEqualTo(2);
  }

  @Test
  void equalsGnuSortInTheCLocale(@TempDir Path tmp) throws Exception {
    Random r = new Random(42);
    byte[] in = randomInput(r, 5000);
    // Give sort exactly the lines the canonicalizer keeps: CR-stripped and non-blank.
    byte[] prepared = reference(shuffleLines(in, r));
    Path file = tmp.resolve("in");
    Files.write(file, shuffleLines(prepared, r));
    ProcessBuilder pb = new ProcessBuilder("sort", "-u", file.toString());
    pb.environment().put("LC_ALL", "C");
    Process p = pb.start();
    byte[] sorted = p.getInputStream().readAllBytes();
    assertThat(p.waitFor()).isZero();
    assertThat(Canonicalizer.canonicalize(in).bytes()).isEqualTo(sorted);
  }

  private static byte[] shuffleLines(byte[] in, Random r) {
    List<byte[]> lines = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= in.length; i++) {
      if (i == in.length && start == in.length) {
        break; // nothing after the final newline
      }
      if (i == in.length || in[i] == '\n') {
        lines.add(Arrays.copyOfRange(in, start, i));
        start = i + 1;
      }
    }
    Collections.shuffle(lines, r);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] l : lines) {
      out.writeBytes(l);
      out.write('\n');
    }
    return out.toByteArray();
  }
}
