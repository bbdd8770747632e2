package org.kvexpress.apply;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Optional;
import org.kvexpress.core.WatchPayload;

/** Reads what a Consul key watch passes its handler on stdin, without ever waiting for it. */
public final class WatchHandler {
  /** A KV pair is a few hundred bytes; anything larger is not one. */
  private static final int MAX_BYTES = 64 * 1024;

  private WatchHandler() {}

  /**
   * The pair on stdin, when one is there already. Consul writes it as the handler starts, well
   * before a JVM gets here; a terminal or an open pipe that sends nothing has nothing available,
   * and is not read, so this never blocks. Anything incomplete or unreadable is empty: the normal
   * path then runs.
   */
  public static Optional<WatchPayload> payload(InputStream stdin) {
    try {
      byte[] buf = new byte[MAX_BYTES];
      int n = 0;
      int available;
      while ((available = stdin.available()) > 0 && n < MAX_BYTES) {
        int r = stdin.read(buf, n, Math.min(available, MAX_BYTES - n));
        if (r < 0) {
          break;
        }
        n += r;
      }
      return n == 0 || n == MAX_BYTES
          ? Optional.empty()
          : WatchPayload.parse(Arrays.copyOf(buf, n));
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
