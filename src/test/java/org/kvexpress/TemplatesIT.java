package org.kvexpress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.kvexpress.core.Canonicalizer;
import org.kvexpress.testing.AgentTest;
import org.kvexpress.testing.CliRun;

/**
 * Every templates/NAME.ctmpl has a NAME.rendered sample, and each sample goes through in and out
 * intact.
 */
class TemplatesIT extends AgentTest {
  private static final Path TEMPLATES =
      Path.of(System.getProperty("kvexpress.basedir", ".")).resolve("templates");
  private static final Set<String> VERBATIM = Set.of("haproxy.cfg");

  private static Set<String> names(String suffix) throws IOException {
    try (Stream<Path> s = Files.list(TEMPLATES)) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(suffix))
          .map(n -> n.substring(0, n.length() - suffix.length()))
          .collect(Collectors.toSet());
    }
  }

  @Test
  void everyTemplateHasARenderedSample() throws IOException {
    assertThat(names(".ctmpl")).hasSizeGreaterThanOrEqualTo(3).isEqualTo(names(".rendered"));
  }

  @Test
  void everySamplePublishesAndApplies() throws IOException {
    for (String name : names(".rendered")) {
      byte[] rendered = Files.readAllBytes(TEMPLATES.resolve(name + ".rendered"));
      String key = name.replace('.', '-');
      boolean verbatim = VERBATIM.contains(name);
      List<String> args =
          verbatim ? List.of("in", "-k", key, "--verbatim", "-l", "5") : List.of("in", "-k", key);
      CliRun.Result in =
          CliRun.against(agent.address()).stdin(rendered).run(args.toArray(new String[0]));
      assertThat(in.code()).as(name + ": " + in.err()).isZero();
      Path file = tmp.resolve(name);
      CliRun.Result out =
          CliRun.against(agent.address()).run("out", "-k", key, "-f", file.toString(), "-l", "5");
      assertThat(out.code()).as(name + ": " + out.err()).isZero();
      byte[] expected = verbatim ? rendered : Canonicalizer.canonicalize(rendered).bytes();
      assertThat(Files.readAllBytes(file)).as(name).isEqualTo(expected);
    }
  }

  @Test
  void theOrderSensitiveSampleWouldBeScrambledWithoutVerbatim() throws IOException {
    byte[] rendered = Files.readAllBytes(TEMPLATES.resolve("haproxy.cfg.rendered"));
    String first =
        new String(Canonicalizer.canonicalize(rendered).bytes()).lines().findFirst().orElseThrow();
    assertThat(first).as("canonical order puts an indented line first").startsWith("    ");
    assertThat(new String(rendered)).startsWith("global\n");
  }
}
