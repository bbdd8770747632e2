package org.kvexpress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every examples/NAME/run.sh runs end to end and must exit 0 (two of them on real Consul agents,
 * the others on the dev agent); each folder has a README.
 */
@Tag("no-backend")
class ExamplesIT {
  private static final Path ROOT = Path.of(System.getProperty("kvexpress.basedir", "."));

  private static List<Path> folders() throws IOException {
    try (Stream<Path> s = Files.list(ROOT.resolve("examples"))) {
      return s.filter(Files::isDirectory).sorted().collect(Collectors.toList());
    }
  }

  @Test
  void everyExampleHasAReadmeAndARunScript() throws IOException {
    List<Path> folders = folders();
    assertThat(folders).hasSizeGreaterThanOrEqualTo(7);
    for (Path f : folders) {
      assertThat(f.resolve("README.md")).as(f + "/README.md").isRegularFile();
      assertThat(f.resolve("run.sh")).as(f + "/run.sh").isRegularFile();
    }
  }

  @TestFactory
  List<DynamicTest> everyRunScriptSucceeds() throws IOException {
    return folders().stream()
        .map(
            f ->
                DynamicTest.dynamicTest(
                    f.getFileName().toString(),
                    () -> {
                      Path log = Files.createTempFile("example-", ".log");
                      ProcessBuilder pb =
                          new ProcessBuilder("bash", f.resolve("run.sh").toString())
                              .redirectErrorStream(true)
                              .redirectOutput(log.toFile())
                              .redirectInput(new File("/dev/null"));
                      pb.environment().put("KVEXPRESS_SKIP_BUILD", "1");
                      pb.environment().remove("CONSUL_HTTP_ADDR");
                      pb.environment().remove("CONSUL_HTTP_TOKEN");
                      Process p = pb.start();
                      boolean done = p.waitFor(120, TimeUnit.SECONDS);
                      if (!done) {
                        p.descendants().forEach(ProcessHandle::destroyForcibly);
                        p.destroyForcibly();
                      }
                      String output = Files.readString(log, StandardCharsets.UTF_8);
                      Files.deleteIfExists(log);
                      assertThat(done).as("finished within 120 s:\n" + output).isTrue();
                      assertThat(p.exitValue()).as(output).isZero();
                      assertThat(output).contains("==> done");
                    }))
        .collect(Collectors.toList());
  }
}
