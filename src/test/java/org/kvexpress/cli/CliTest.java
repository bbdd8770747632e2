package org.kvexpress.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.kvexpress.testing.CliRun;
import org.kvexpress.testing.Lines;

/**
 * The CLI frame: help, version, usage errors and exit codes, through Cli.run with captured streams.
 */
class CliTest {
  static final List<String> COMMANDS = Cli.COMMANDS;

  @Test
  void everyListedNameBuildsTheCommandOfThatName() {
    assertThat(COMMANDS).hasSize(18).doesNotHaveDuplicates();
    for (String c : COMMANDS) {
      assertThat(Cli.command(c).name()).isEqualTo(c);
    }
    assertThat(Cli.command("frobnicate")).isNull();
  }

  @Test
  void helpListsEveryCommandWithASummary() {
    CliRun.Result r = CliRun.cli().run("--help");
    assertThat(r.code()).isZero();
    for (String c : COMMANDS) {
      assertThat(r.out()).containsPattern("(?m)^  " + c + " +\\S");
    }
    assertThat(r.out()).contains("Exit codes: 0 done");
  }

  /**
   * {@code in -f FILE --datacenters}: the input is the file, so standard input is never read (it
   * used to be, which waited for a terminal's end of input); each datacenter is still tried.
   */
  @Test
  void inFromAFileOverDatacentersNeverReadsStdin(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("hosts");
    Files.writeString(file, Lines.hosts(12));
    InputStream untouchable =
        new InputStream() {
          @Override
          public int read() throws IOException {
            throw new IOException("standard input was read");
          }
        };
    CliRun.Result r =
        CliRun.against("127.0.0.1:1")
            .stdin(untouchable)
            .run("in", "-k", "hosts", "-f", file.toString(), "--datacenters", "dc1,dc2");
    assertThat(r.err()).doesNotContain("standard input").contains("dc1:").contains("dc2:");
    assertThat(r.code()).isOne();
  }

  @Test
  void noArgumentsPrintsHelpToStderrAndExits2() {
    CliRun.Result r = CliRun.cli().run();
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("Usage: kvexpress");
  }

  @Test
  void versionPrintsTheBuildVersion() {
    CliRun.Result r = CliRun.cli().run("--version");
    assertThat(r.code()).isZero();
    assertThat(r.out()).matches("kvexpress \\d+\\.\\d+\\.\\d+.*\\n");
  }

  @Test
  void everyCommandHasHelpWithItsOptionsAndDefaults() {
    for (String c : COMMANDS) {
      CliRun.Result r = CliRun.cli().run(c, "--help");
      assertThat(r.code()).as(c).isZero();
      assertThat(r.out()).as(c).startsWith("Usage: kvexpress " + c).contains("--help");
    }
    assertThat(CliRun.cli().run("in", "--help").out())
        .contains("--min-lines")
        .contains("(default: 10)")
        .contains("--retry-for")
        .contains("(default: 20s)");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "frobnicate|kvexpress: unknown command \"frobnicate\"; run 'kvexpress --help' for the list",
        "--bogus|kvexpress: unknown option --bogus before the command"
      })
  void unknownCommandOrOptionIsUsage(String arg, String message) {
    CliRun.Result r = CliRun.cli().run(arg);
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).startsWith(message);
    assertThat(r.err().lines().count()).as("one line").isEqualTo(1);
  }

  @Test
  void invalidKeyIsUsageNamingTheCharacter() {
    CliRun.Result r = CliRun.cli().stdin("x").run("in", "-k", "bad\tkey");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .contains(
            "invalid value for -k/--key: invalid key \"bad\\u0009key\": control character U+0009");
    assertThat(r.err().lines().count()).isEqualTo(1);
  }

  @Test
  void invalidPrefixMissingValueAndUnknownOption() {
    assertThat(CliRun.cli().run("in", "-k", "a", "-p", "x/../y").err())
        .contains("segment \"..\" is not allowed");
    CliRun.Result missing = CliRun.cli().run("in", "-k");
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).contains("option -k/--key needs a value");
    CliRun.Result unknown = CliRun.cli().run("in", "-k", "a", "--nope");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).contains("unknown option --nope");
    assertThat(CliRun.cli().run("in").err()).contains("missing required option -k/--key");
    assertThat(CliRun.cli().run("in", "-k", "a", "-l", "-3").err())
        .contains("is not a whole number >= 0");
    assertThat(CliRun.cli().run("in", "-k", "a", "--retry-for", "10").err())
        .contains("is not a duration");
  }

  @Test
  void unixSocketAddressIsAUsageError() {
    CliRun.Result r =
        CliRun.cli()
            .env("CONSUL_HTTP_ADDR", "unix:///var/run/consul.sock")
            .stdin(hosts())
            .run("in", "-k", "a");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("unix socket, which kvexpress does not support");
  }

  @Test
  void softTurnsRefusalsIntoZero() {
    assertThat(ExitCode.REFUSED.soften(true)).isEqualTo(ExitCode.OK);
    assertThat(ExitCode.HALTED.soften(true)).isEqualTo(ExitCode.OK);
    assertThat(ExitCode.FAILURE.soften(true)).isEqualTo(ExitCode.FAILURE);
    assertThat(ExitCode.USAGE.soften(true)).isEqualTo(ExitCode.USAGE);
    assertThat(ExitCode.REFUSED.soften(false)).isEqualTo(ExitCode.REFUSED);
  }

  @Test
  void terminalStdinIsRefusedAtOnce() {
    CliRun.Result r = CliRun.cli().terminal(true).run("in", "-k", "hosts");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("no input: pipe the rendered file into stdin or pass -f/-u");
  }

  @Test
  void verboseAndQuietTogetherIsUsage() {
    assertThat(CliRun.cli().run("in", "-k", "a", "-v", "-q").err())
        .contains("cannot use --verbose and --quiet together");
  }

  private static String hosts() {
    return Lines.hosts(20);
  }
}
