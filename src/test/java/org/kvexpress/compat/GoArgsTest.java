package org.kvexpress.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.kvexpress.core.KvexpressException;

/**
 * Go kvexpress's argv, translated: each row is a Go-era command line and what this tool parses
 * instead.
 */
class GoArgsTest {
  private static final Set<String> IN =
      Set.of(
          "k",
          "key",
          "f",
          "file",
          "l",
          "length",
          "min-lines",
          "e",
          "exec",
          "s",
          "server",
          "t",
          "token",
          "p",
          "prefix",
          "compress",
          "z",
          "verbatim",
          "verbose",
          "v");
  private static final Set<String> OUT =
      Set.of(
          "k",
          "key",
          "f",
          "file",
          "l",
          "length",
          "e",
          "exec",
          "mode",
          "m",
          "o",
          "owner",
          "s",
          "server",
          "ignore-stop",
          "config",
          "verbose");
  private static final Set<String> STOP = Set.of("k", "key", "r", "reason", "s", "server");

  static Stream<Arguments> lines() {
    return Stream.of(
        Arguments.of(
            IN, "-d true -k hosts -f F -l 100 --sorted=true", "-k hosts -f F -l 100", true),
        Arguments.of(
            IN,
            "--key hosts --file F --length 100 --sorted=true",
            "--key hosts --file F --length 100",
            false),
        Arguments.of(IN, "-k h -S -f F", "-k h -f F", false),
        Arguments.of(IN, "-k h --sorted=false -f F", "-k h --verbatim -f F", false),
        Arguments.of(IN, "-k h -z true -f F", "-k h --compress -f F", false),
        Arguments.of(IN, "-k h -z=false -f F", "-k h -f F", false),
        Arguments.of(IN, "-k h --dogstatsd=true -f F -o root -c 0644", "-k h -f F", true),
        Arguments.of(
            OUT,
            "-d true -k hosts -f F -l 100 -e x -c 00644",
            "-k hosts -f F -l 100 -e x --mode 0644",
            true),
        Arguments.of(OUT, "-k h -f F -c 416", "-k h -f F --mode 0640", false),
        Arguments.of(OUT, "-k h -f F --chmod=0x1a4", "-k h -f F --mode 0644", false),
        Arguments.of(OUT, "--ignore_stop -k h -f F -z", "--ignore-stop -k h -f F", false),
        Arguments.of(OUT, "-k h -f F --config watch.json", "-k h -f F --config watch.json", false),
        Arguments.of(STOP, "-k h -r why -e cmd -l 5 -o root -d", "-k h -r why", true),
        Arguments.of(STOP, "-k h -r true", "-k h -r true", false),
        Arguments.of(Set.of("from", "to"), "--keyfrom a --keyto b", "--from a --to b", false),
        Arguments.of(IN, "-k h -f F -- -d", "-k h -f F -- -d", false));
  }

  @ParameterizedTest
  @MethodSource("lines")
  void goEraLinesBecomeThisToolsLines(
      Set<String> recognized, String go, String expected, boolean dogstatsd) {
    GoArgs.Result r = GoArgs.translate(List.of(go.split(" ")), recognized, recognized == OUT);
    assertThat(String.join(" ", r.args())).isEqualTo(expected);
    assertThat(r.dogstatsd()).isEqualTo(dogstatsd);
  }

  @ParameterizedTest
  @CsvSource({
    "416, 416",
    "0644, 420",
    "00644, 420",
    "0640, 416",
    "0x1a4, 420",
    "420, 420",
    "0, 0",
    "511, 511"
  })
  void chmodIsAnIntegerAsGoParsedIt(String text, int mode) {
    assertThat(GoArgs.goMode(text)).isEqualTo(mode);
  }

  @ParameterizedTest
  @CsvSource({
    "644, did you mean 0644?",
    "755, did you mean 0755?",
    "1000, not a permission set",
    "abc, takes a number",
    "-1, not a permission set"
  })
  void aChmodThatIsNoPermissionSetIsRefusedWithAHint(String text, String message) {
    assertThatThrownBy(() -> GoArgs.goMode(text))
        .isInstanceOf(KvexpressException.class)
        .hasMessageContaining(message);
  }

  @ParameterizedTest
  @CsvSource({"-D, localhost:9125", "--dogstatsd_address, 10.0.0.1:8125"})
  void theDogstatsdAddressAndGoConfigAreTakenOut(String flag, String address) {
    GoArgs.Result r =
        GoArgs.translate(
            List.of("-k", "h", flag, address, "-C", "c.yml", "-a", "x", "-A", "y"), IN, false);
    assertThat(r.args()).containsExactly("-k", "h");
    assertThat(r.dogstatsdAddress()).isEqualTo(address);
    assertThat(r.goConfig()).isEqualTo("c.yml");
    assertThat(r.datadogKeys()).isTrue();
  }
}
