package org.kvexpress.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every golden/canonicalize/NAME.input must canonicalize to NAME.output; an unmatched file fails.
 */
class CanonicalizerGoldenTest {
  private static Path dir() throws URISyntaxException {
    return Path.of(CanonicalizerGoldenTest.class.getResource("/golden/canonicalize").toURI());
  }

  private static Set<String> names(String suffix) throws IOException, URISyntaxException {
    try (Stream<Path> files = Files.list(dir())) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(suffix))
          .map(n -> n.substring(0, n.length() - suffix.length()))
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }

  @Test
  void everyInputHasAnOutputAndViceVersa() throws Exception {
    assertThat(names(".input")).isNotEmpty().isEqualTo(names(".output"));
  }

  @TestFactory
  List<DynamicTest> goldens() throws Exception {
    return names(".input").stream()
        .map(
            name ->
                DynamicTest.dynamicTest(
                    name,
                    () -> {
                      byte[] in = Files.readAllBytes(dir().resolve(name + ".input"));
                      byte[] expected = Files.readAllBytes(dir().resolve(name + ".output"));
                      assertThat(Canonicalizer.canonicalize(in).bytes()).isEqualTo(expected);
                    }))
        .collect(Collectors.toList());
  }
}
