package org.kvexpress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/kvexpress and bin/kvexpress-cds from an installed copy, the way an operator runs them. */
@Tag("no-backend")
class LauncherIT {
  private static final Path ROOT = Path.of(System.getProperty("kvexpress.basedir", "."));

  /** Copies bin/ and the jar (not the archive) to {@code dir}, as an install into /opt would. */
  private static Path install(Path dir) throws IOException {
    Files.createDirectories(dir.resolve("bin"));
    Files.createDirectories(dir.resolve("target"));
    for (String script : List.of("kvexpress", "kvexpress-cds")) {
      Path to = dir.resolve("bin").resolve(script);
      Files.copy(ROOT.resolve("bin").resolve(script), to);
      assertThat(to.toFile().setExecutable(true)).isTrue();
    }
    Files.copy(ROOT.resolve("target/kvexpress.jar"), dir.resolve("target/kvexpress.jar"));
    return dir;
  }

  private static Run run(Map<String, String> env, String... cmd)
      throws IOException, InterruptedException {
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(new File("/dev/null"));
    pb.environment().remove("JAVA_OPTS");
    pb.environment().remove("KVEXPRESS_JAR");
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("finished: " + out).isTrue();
    return new Run(p.exitValue(), out);
  }

  private record Run(int code, String output) {}

  @Test
  void aCopiedInstallStartsWithoutAnArchiveAndKvexpressCdsMakesOneThatThisJdkAccepts(
      @TempDir Path tmp) throws Exception {
    Path home = install(tmp.resolve("opt/kvexpress"));
    String launcher = home.resolve("bin/kvexpress").toString();
    assertThat(run(Map.of(), launcher, "--version").output()).startsWith("kvexpress ");

    Run made = run(Map.of(), home.resolve("bin/kvexpress-cds").toString());
    assertThat(made.code()).as(made.output()).isZero();
    assertThat(home.resolve("target/kvexpress.jsa")).isRegularFile();
    // -Xshare:on makes the JVM fail instead of silently ignoring an archive it cannot use.
    Run strict = run(Map.of("JAVA_OPTS", "-Xshare:on"), launcher, "--version");
    assertThat(strict.code()).as(strict.output()).isZero();
    assertThat(strict.output()).startsWith("kvexpress ");
  }

  @Test
  void aStaleArchiveIsNamedOnceWithItsFix(@TempDir Path tmp) throws Exception {
    Path home = install(tmp.resolve("opt/kvexpress"));
    Path built = Path.of(System.getProperty("kvexpress.jar")).getParent();
    Files.copy(built.resolve("kvexpress.jsa"), home.resolve("target/kvexpress.jsa"));
    Files.copy(built.resolve("kvexpress.jsa.info"), home.resolve("target/kvexpress.jsa.info"));
    String launcher = home.resolve("bin/kvexpress").toString();
    Run first = run(Map.of(), launcher, "--version");
    assertThat(first.output())
        .contains("was made for another JDK, JDK archive or location")
        .contains("bin/kvexpress-cds once");
    Run second = run(Map.of(), launcher, "--version");
    assertThat(second.output()).doesNotContain("start-up archive").startsWith("kvexpress ");
  }

  /**
   * An AppCDS archive is layered on the JDK's own classes.jsa; when that is rewritten after ours
   * (`java -Xshare:dump`, a distribution's install step), ours is unusable and the JVM would ignore
   * it silently, so the launcher names it once with its fix. The JDK here is a symlinked copy of
   * the one running this test, whose classes.jsa can be made newer without touching the real one.
   */
  @Test
  void anArchiveOlderThanTheJdksOwnIsNamedOnce(@TempDir Path tmp) throws Exception {
    Path realJdk = Path.of(System.getProperty("java.home"));
    Assumptions.assumeTrue(
        Runtime.version().feature() < 19, "JDK 19+ rewrites a stale archive by itself");
    Path jdk = tmp.resolve("jdk");
    Process copy = new ProcessBuilder("cp", "-rs", realJdk.toString(), jdk.toString()).start();
    assertThat(copy.waitFor()).isZero();
    Path own = jdk.resolve("lib/server/classes.jsa");
    Assumptions.assumeTrue(Files.exists(own), "this JDK has no classes.jsa");
    Path home = install(tmp.resolve("opt/kvexpress"));
    Map<String, String> env = Map.of("JAVA_HOME", jdk.toString());
    Run made = run(env, home.resolve("bin/kvexpress-cds").toString());
    assertThat(made.code()).as(made.output()).isZero();
    String launcher = home.resolve("bin/kvexpress").toString();
    assertThat(run(env, launcher, "--version").output()).startsWith("kvexpress ");

    Files.delete(own);
    Files.copy(realJdk.resolve("lib/server/classes.jsa"), own);
    Path archive = home.resolve("target/kvexpress.jsa");
    Files.setLastModifiedTime(
        own, FileTime.fromMillis(Files.getLastModifiedTime(archive).toMillis() + 1_000));
    Run first = run(env, launcher, "--version");
    assertThat(first.output())
        .contains("was made for another JDK, JDK archive or location")
        .contains("bin/kvexpress-cds once");
    assertThat(run(env, launcher, "--version").output())
        .doesNotContain("start-up archive")
        .startsWith("kvexpress ");
    Run remade = run(env, home.resolve("bin/kvexpress-cds").toString());
    assertThat(remade.code()).as(remade.output()).isZero();
    assertThat(Files.getLastModifiedTime(archive)).isGreaterThan(Files.getLastModifiedTime(own));
    Run strict =
        run(Map.of("JAVA_HOME", jdk.toString(), "JAVA_OPTS", "-Xshare:on"), launcher, "--version");
    assertThat(strict.output()).doesNotContain("start-up archive").startsWith("kvexpress ");
  }

  /**
   * On JDK 24 and later the launcher uses an AOT cache (JEP 483/514) that kvexpress-cds makes for
   * that JDK.
   */
  @Test
  void onJdk24AndLaterTheLauncherUsesAnAotCache(@TempDir Path tmp) throws Exception {
    Path jdk = null;
    try (var homes = Files.list(Path.of("/usr/lib/jvm"))) {
      for (Path h : homes.sorted().toList()) {
        List<String> release =
            Files.exists(h.resolve("release"))
                ? Files.readAllLines(h.resolve("release"))
                : List.of();
        if (release.stream().anyMatch(l -> l.matches("JAVA_VERSION=\"(2[4-9]|[3-9][0-9]).*"))) {
          jdk = h;
        }
      }
    }
    Assumptions.assumeTrue(jdk != null, "no JDK 24+ under /usr/lib/jvm on this machine");
    Path home = install(tmp.resolve("opt/kvexpress"));
    Map<String, String> env = Map.of("JAVA_HOME", jdk.toString());
    Run made = run(env, home.resolve("bin/kvexpress-cds").toString());
    assertThat(made.code()).as(made.output()).isZero();
    assertThat(home.resolve("target/kvexpress.aot")).isRegularFile();
    // -XX:AOTMode=on makes the JVM fail instead of running without a cache it cannot use.
    Run strict =
        run(
            Map.of("JAVA_HOME", jdk.toString(), "JAVA_OPTS", "-XX:AOTMode=on"),
            home.resolve("bin/kvexpress").toString(),
            "--version");
    assertThat(strict.code()).as(strict.output()).isZero();
    assertThat(strict.output()).startsWith("kvexpress ");
  }

  /**
   * {@code in -f} with a file over 8 MiB keeps C2 and, when the kernel offers transparent huge
   * pages, asks for them; a small file runs C1 only, without them; neither makes the JVM warn.
   */
  @Test
  void aLargeInputFileGetsC2AndHugePagesWhenTheKernelOffersThem(@TempDir Path tmp)
      throws Exception {
    Path large = tmp.resolve("large");
    Files.write(large, new byte[9 << 20]);
    Path small = tmp.resolve("small");
    Files.writeString(small, "a\n");
    Path thp = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
    boolean offered =
        Files.isReadable(thp) && Files.readString(thp).matches("(?s).*\\[(always|madvise)\\].*");
    Map<String, String> env =
        Map.of("JAVA_OPTS", "-XX:+PrintCommandLineFlags", "CONSUL_HTTP_ADDR", "127.0.0.1:1");
    String launcher = ROOT.resolve("bin/kvexpress").toString();
    Run big = run(env, launcher, "in", "-k", "x", "--retry-for", "0s", "-f", large.toString());
    assertThat(big.output()).doesNotContain("TieredStopAtLevel").doesNotContain("VM warning");
    if (offered) {
      assertThat(big.output()).contains("-XX:+UseTransparentHugePages");
    } else {
      assertThat(big.output()).doesNotContain("UseTransparentHugePages");
    }
    Run few = run(env, launcher, "in", "-k", "x", "--retry-for", "0s", "-f", small.toString());
    assertThat(few.output())
        .contains("-XX:TieredStopAtLevel=1")
        .doesNotContain("UseTransparentHugePages")
        .doesNotContain("VM warning");
  }

  @Test
  void aSymlinkedLauncherFindsItsJar(@TempDir Path tmp) throws Exception {
    Path home = install(tmp.resolve("opt/kvexpress"));
    Path link = Files.createDirectories(tmp.resolve("usr/local/bin")).resolve("kvexpress");
    Files.createSymbolicLink(link, home.resolve("bin/kvexpress"));
    Run r = run(Map.of(), link.toString(), "--version");
    assertThat(r.code()).as(r.output()).isZero();
  }
}
