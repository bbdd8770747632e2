package org.kvexpress.testing;

import java.nio.charset.StandardCharsets;
import java.util.Random;

/** Generated configuration text for tests. */
public final class Lines {
  private Lines() {}

  /** {@code n} host lines, "10.0.x.y host-i", in order. */
  public static String hosts(int n) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.append("10.0.")
          .append(i / 250)
          .append('.')
          .append(i % 250 + 1)
          .append(" host-")
          .append(i)
          .append('\n');
    }
    return b.toString();
  }

  /** {@code bytes} of random, incompressible printable lines (64 characters each). */
  public static byte[] random(int bytes, long seed) {
    Random r = new Random(seed);
    StringBuilder b = new StringBuilder();
    while (b.length() < bytes) {
      for (int i = 0; i < 63; i++) {
        b.append((char) ('!' + r.nextInt(94)));
      }
      b.append('\n');
    }
    return b.toString().getBytes(StandardCharsets.US_ASCII);
  }
}
