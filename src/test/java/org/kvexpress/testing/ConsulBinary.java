package org.kvexpress.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real Consul binary the tests run, found or fetched once per JVM by {@code .ci/fetch-consul}
 * (KVEXPRESS_CONSUL_BIN, then PATH, then Debian's pinned package, cached). When none can be had,
 * the real-Consul tests fail with that script's one line saying how to install Consul: never
 * skipped.
 */
public final class ConsulBinary {
  private static Path path;
  private static String version;

  private ConsulBinary() {}

  /** The repository's root, where .ci/ and examples/ live. */
  public static Path projectRoot() {
    return Path.of(System.getProperty("kvexpress.basedir", ".")).toAbsolutePath();
  }

  public static synchronized Path path() {
    if (path == null) {
      ProcessBuilder pb =
          new ProcessBuilder("bash", projectRoot().resolve(".ci/fetch-consul").toString());
      try {
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
          String last =
              err.isEmpty() ? "fetch-consul failed" : err.substring(err.lastIndexOf('\n') + 1);
          throw new IllegalStateException("real Consul is required for these tests: " + last);
        }
        path = Path.of(new String(out, StandardCharsets.UTF_8).strip());
      } catch (IOException e) {
        throw new IllegalStateException(
            "real Consul is required for these tests: cannot run .ci/fetch-consul: " + e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    return path;
  }

  /** The binary's version, e.g. "1.8.7". */
  public static synchronized String version() {
    if (version == null) {
      try {
        Process p =
            new ProcessBuilder(path().toString(), "version").redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        Matcher m = Pattern.compile("Consul v(\\d+\\.\\d+\\.\\d+)").matcher(text);
        version = m.find() ? m.group(1) : "unknown";
      } catch (IOException e) {
        throw new IllegalStateException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    return version;
  }

  /** True when the binary is this release or newer. */
  public static boolean atLeast(int major, int minor) {
    String[] v = version().split("\\.");
    if (v.length < 2) {
      return false;
    }
    int ma = Integer.parseInt(v[0]);
    return ma > major || ma == major && Integer.parseInt(v[1]) >= minor;
  }
}
