package org.kvexpress.apply;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.kvexpress.core.Canonicalizer;
import org.kvexpress.testing.AgentTest;
import org.kvexpress.testing.CliRun;
import org.kvexpress.testing.Jar;

/**
 * kill -9 of {@code out} at random moments while it writes a 5 MB file: the file is always whole.
 */
class CrashIT extends AgentTest {
  /** About 5 MB that gzips far below Consul's value limit. */
  static String bigVersion(char fill) {
    StringBuilder b = new StringBuilder();
    String pad = String.valueOf(fill).repeat(500);
    for (int i = 0; b.length() < 5_000_000; i++) {
      b.append(String.format("server-%07d ", i)).append(pad).append('\n');
    }
    return b.toString();
  }

  private boolean stagingFileExists() throws IOException {
    try (Stream<Path> s = Files.list(tmp)) {
      return s.anyMatch(x -> x.getFileName().toString().startsWith(".big.conf.kvexpress-"));
    }
  }

  @Test
  void twentyKillsNeverLeaveAPartialFileAndTheNextRunCleansUp() throws Exception {
    byte[][] versions = {
      Canonicalizer.canonicalize(bigVersion('a').getBytes()).bytes(),
      Canonicalizer.canonicalize(bigVersion('b').getBytes()).bytes()
    };
    Path target = tmp.resolve("big.conf");
    Random random = new Random(7);
    Map<String, String> env = Map.of("CONSUL_HTTP_ADDR", agent.address());
    // Time one whole run, so that kills spread over the part of a run where the file is fetched and
    // written.
    CliRun.against(agent.address()).stdin(versions[1]).run("in", "-k", "big", "-z", "--verbatim");
    long[] runs = new long[3];
    for (int i = 0; i < runs.length; i++) {
      long t0 = System.nanoTime();
      assertThat(Jar.run(env, "out", "-k", "big", "-f", target.toString()).code()).isZero();
      runs[i] = (System.nanoTime() - t0) / 1_000_000;
    }
    Arrays.sort(runs);
    int runMs = (int) runs[0];
    int killedMidRun = 0;
    int killedWhileWriting = 0;
    int leftTemps = 0;
    byte[] lastPublished = versions[1];
    // Twenty kills that land while out is running (a kill after it exited proves nothing; those are
    // retried). Each waits a random time, but kills at once when the staging file shows up, which
    // is the write itself.
    for (int i = 0; killedMidRun < 20 && i < 80; i++) {
      byte[] next = versions[i % 2];
      lastPublished = next;
      CliRun.Result pub =
          CliRun.against(agent.address()).stdin(next).run("in", "-k", "big", "-z", "--verbatim");
      assertThat(pub.code()).as(pub.err()).isZero();
      long started = System.nanoTime();
      Process p = Jar.command(env, "out", "-k", "big", "-f", target.toString()).start();
      long deadline =
          started + (runMs * 3L / 10 + random.nextInt(Math.max(1, runMs * 9 / 10))) * 1_000_000;
      boolean writing = false;
      while (System.nanoTime() < deadline && p.isAlive() && !(writing = stagingFileExists())) {
        // Not a wait for something: a fine step while watching for the staging file, so the kill
        // lands at a random moment inside the write.
        Thread.sleep(0, 200_000);
      }
      if (p.isAlive()) {
        killedMidRun++;
        killedWhileWriting += writing ? 1 : 0;
      } else {
        runMs = (int) ((System.nanoTime() - started) / 1_000_000); // it ran faster than thought
      }
      p.destroyForcibly(); // SIGKILL
      assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
      try (Stream<Path> s = Files.list(tmp)) {
        leftTemps +=
            (int) s.filter(x -> x.getFileName().toString().contains(".kvexpress-")).count();
      }
      if (Files.exists(target)) {
        byte[] now = Files.readAllBytes(target);
        assertThat(Arrays.equals(now, versions[0]) || Arrays.equals(now, versions[1]))
            .as("run %d: file is a whole version (%d bytes)", i, now.length)
            .isTrue();
      }
    }
    System.out.printf(
        "crash test: run_ms=%d killed_mid_run=%d killed_while_writing=%d temp_files_left=%d%n",
        runMs, killedMidRun, killedWhileWriting, leftTemps);
    assertThat(killedMidRun).as("kills that landed while out ran").isEqualTo(20);
    // Leftovers younger than a second might still be a live writer's; these are a killed writer's,
    // so age them by two seconds instead of waiting for the cleanup to see them as stale.
    try (Stream<Path> s = Files.list(tmp)) {
      for (Path p : s.filter(x -> x.getFileName().toString().contains(".kvexpress-")).toList()) {
        Files.setLastModifiedTime(p, FileTime.fromMillis(System.currentTimeMillis() - 2000));
      }
    }
    Jar.Result last = Jar.run(env, "out", "-k", "big", "-f", target.toString());
    assertThat(last.code()).as(last.output()).isZero();
    assertThat(Files.readAllBytes(target)).isEqualTo(lastPublished);
    try (Stream<Path> s = Files.list(tmp)) {
      assertThat(s.map(x -> x.getFileName().toString()).toList()).containsExactly("big.conf");
    }
  }
}
