package org.kvexpress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.kvexpress.testing.Backend;
import org.kvexpress.testing.BackendExtension;
import org.kvexpress.testing.CliRun;
import org.kvexpress.testing.Dogstatsd;
import org.kvexpress.testing.Lines;
import org.kvexpress.testing.Store;

/**
 * Go kvexpress's command lines, as its README, docs/cli.md and users' watch handlers wrote them,
 * run unchanged: each test is one Go-era line with the exit code and the effect it must have (file
 * content and mode, keys written), against both backends.
 */
class GoCompatIT {
  private static final String TOKEN = "60c0ffee-0000-4000-8000-00000000c0de";
  @RegisterExtension static final BackendExtension BACKEND = BackendExtension.withAcl(TOKEN);
  private Backend agent;
  private Dogstatsd dogstatsd;
  @TempDir Path tmp;
  private Path input;

  @BeforeEach
  void start(Backend backend) throws IOException {
    agent = backend;
    dogstatsd = new Dogstatsd();
    input = tmp.resolve("hosts.consul");
    Files.writeString(input, Lines.hosts(120));
  }

  @AfterEach
  void stop() {
    dogstatsd.close();
  }

  /**
   * A CLI as a Go-era node or hook has it: the server and token on its command line, as Go users
   * wrote them.
   */
  private CliRun.Result go(String line) {
    List<String> argv = new ArrayList<>(List.of(shellWords(line)));
    argv.addAll(List.of("-s", agent.address(), "-t", TOKEN, "-D", dogstatsd.address()));
    return CliRun.cli().run(argv.toArray(new String[0]));
  }

  /** Splits on spaces, keeping '…' together: enough for the lines here. */
  private static String[] shellWords(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder w = new StringBuilder();
    boolean quoted = false;
    for (char c : line.toCharArray()) {
      if (c == '\'') {
        quoted = !quoted;
      } else if (c == ' ' && !quoted) {
        if (w.length() > 0) {
          words.add(w.toString());
          w.setLength(0);
        }
      } else {
        w.append(c);
      }
    }
    if (w.length() > 0) {
      words.add(w.toString());
    }
    return words.toArray(new String[0]);
  }

  private List<String> datagrams() throws IOException {
    return dogstatsd.received();
  }

  /** in's canonical form of generated lines (ASCII, no duplicates or blanks): sorted. */
  private static byte[] canonical(String text) {
    return (String.join("\n", new TreeSet<>(List.of(text.split("\n")))) + "\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  private String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void theReadmesInLineWithSortedTrue() throws IOException {
    CliRun.Result r = go("in --key hosts --file " + input + " --length 100 --sorted=true");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(Store.data(agent, "kvexpress", "hosts"))
        .isEqualTo(canonical(Files.readString(input)));
  }

  @Test
  void dogstatsdTrueOnInSendsMetricsAndThePublishEventWithItsDiff() throws IOException {
    CliRun.Result r = go("in -d true -k hosts -f " + input + " -l 100 --sorted=true");
    assertThat(r.code()).as(r.err()).isZero();
    datagrams();
    Files.writeString(input, Lines.hosts(121));
    assertThat(go("in -d true -k hosts -f " + input + " -l 100").code()).isZero();
    String all = String.join("\n", datagrams());
    assertThat(all)
        .contains("kvexpress.run:1|c")
        .contains("_e{")
        .contains("kvexpress in: hosts published")
        .contains("+10.0.0.121 host-120")
        .contains("|t:info|#key:hosts");
  }

  @Test
  void theWatchHandlerLineAppliesWithGosIntegerModeAndRunsItsExec() throws IOException {
    assertThat(go("in -k hosts -f " + input).code()).isZero();
    Path file = tmp.resolve("etc/hosts.consul");
    CliRun.Result r =
        go(
            "out -d true -k hosts -f "
                + file
                + " -l 100 -c 00644 -e 'touch "
                + tmp.resolve("reloaded")
                + "'");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(file).hasBinaryContent(canonical(Files.readString(input)));
    assertThat(mode(file)).isEqualTo("rw-r--r--");
    assertThat(tmp.resolve("reloaded")).exists();
    Path decimal = tmp.resolve("etc/decimal");
    assertThat(go("out -k hosts -f " + decimal + " -c 416").code()).isZero();
    assertThat(mode(decimal)).as("416 is Go's default, 0640").isEqualTo("rw-r-----");
    CliRun.Result bad = go("out -k hosts -f " + tmp.resolve("etc/bad") + " -c 644");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("did you mean 0644?");
    assertThat(tmp.resolve("etc/bad")).doesNotExist();
  }

  @Test
  void ignoreStopAndTheStopEvent() throws IOException {
    assertThat(go("in -k hosts -f " + input).code()).isZero();
    assertThat(go("stop -k hosts -r 'Restarting all Consul nodes'").code()).isZero();
    datagrams();
    Path halted = tmp.resolve("halted");
    CliRun.Result r = go("out -d true -k hosts -f " + halted);
    assertThat(r.code()).isEqualTo(4);
    assertThat(halted).doesNotExist();
    assertThat(String.join("\n", datagrams()))
        .contains("kvexpress out: hosts is stopped")
        .contains("|t:warning");
    Path ignored = tmp.resolve("ignored");
    assertThat(go("out --ignore_stop -k hosts -f " + ignored).code()).isZero();
    assertThat(ignored).exists();
  }

  @Test
  void copyWithKeyfromAndKeyto() {
    assertThat(go("in -k hosts -f " + input).code()).isZero();
    CliRun.Result r = go("copy --keyfrom hosts --keyto hosts_alternate");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(Store.data(agent, "kvexpress", "hosts_alternate"))
        .isEqualTo(Store.data(agent, "kvexpress", "hosts"));
  }

  @Test
  void sortedFalseIsVerbatimAndCompressFormsAreAccepted() throws IOException {
    String unsorted = "zeta\nalpha\nalpha\n\nmid\n";
    Files.writeString(input, unsorted);
    assertThat(go("in -k order -f " + input + " -l 1 --sorted=false").code()).isZero();
    assertThat(new String(Store.data(agent, "kvexpress", "order"), StandardCharsets.UTF_8))
        .isEqualTo(unsorted);
    Files.writeString(input, Lines.hosts(30));
    assertThat(go("in -k zipped -f " + input + " -z true").code()).isZero();
    assertThat(Store.get(agent, "kvexpress/zipped/data").flags()).isEqualTo(2);
    Files.writeString(input, Lines.hosts(31));
    assertThat(go("in -k zipped -f " + input + " -z=true").code()).isZero();
    Path out = tmp.resolve("zipped");
    assertThat(go("out -z -k zipped -f " + out).code()).as("-z on out changes nothing").isZero();
    assertThat(out).hasBinaryContent(canonical(Lines.hosts(31)));
    assertThat(go("raw -k kvexpress/zipped/checksum -f " + tmp.resolve("raw") + " -z").code())
        .isZero();
  }

  @Test
  void lockUnlockAndCleanAsGoWroteThem() throws IOException {
    Path file = tmp.resolve("hosts");
    Files.writeString(file, "keep me\n");
    assertThat(go("lock -f " + file + " -r 'I need this file to be locked for an hour.'").code())
        .isZero();
    assertThat(go("unlock -f " + file).code()).isZero();
    Path staging = tmp.resolve("hosts.kvexpress");
    Files.writeString(staging, "half");
    Files.setLastModifiedTime(staging, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
    Files.writeString(tmp.resolve("hosts.compare"), "x");
    CliRun.Result r = go("clean -f " + file);
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(staging).doesNotExist();
    assertThat(tmp.resolve("hosts.compare")).doesNotExist();
    assertThat(file).hasContent("keep me");
  }

  @Test
  void aGoYamlConfigGivesServerAndTokenAndTheCommandLineWins() throws IOException {
    Files.writeString(input, Lines.hosts(12));
    Path cfg = tmp.resolve("config.yml");
    Files.writeString(
        cfg,
        "consul_server: "
            + agent.address()
            + "\ntoken: "
            + TOKEN
            + "\ndogstatsd: true\n"
            + "dogstatsd_address: "
            + dogstatsd.address()
            + "\ndatadog_api_key: abc\n");
    CliRun.Result r =
        CliRun.cli().run("in", "-k", "hosts", "-f", input.toString(), "-C", cfg.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).contains("accepted for Go kvexpress's command lines and not used");
    assertThat(String.join("\n", datagrams())).contains("kvexpress.run");
    CliRun.Result wins =
        CliRun.cli()
            .run(
                "out",
                "-k",
                "hosts",
                "-f",
                tmp.resolve("o").toString(),
                "-C",
                cfg.toString(),
                "-t",
                "0dd0dd00-feed-4bad-beef-000000000bad",
                "--retry-for",
                "1s");
    assertThat(wins.code()).as("-t on the command line beats the config's token").isEqualTo(1);
    CliRun.Result longForm =
        CliRun.cli()
            .run(
                "out",
                "--config",
                cfg.toString(),
                "-k",
                "hosts",
                "-f",
                tmp.resolve("o").toString());
    assertThat(longForm.code())
        .as("out --config without --watch is Go's YAML: " + longForm.err())
        .isZero();
    assertThat(tmp.resolve("o")).exists();
    Files.writeString(cfg, "consul_server: [unclosed\n");
    CliRun.Result broken =
        CliRun.cli().run("in", "-k", "hosts", "-f", input.toString(), "-C", cfg.toString());
    assertThat(broken.code()).isEqualTo(2);
    assertThat(broken.err()).contains("is not valid YAML");
  }

  @Test
  void kvexpressDebugTurnsOnVerboseLogging() {
    CliRun.Result r =
        CliRun.cli()
            .env("KVEXPRESS_DEBUG", "1")
            .run("in", "-k", "hosts", "-f", input.toString(), "-s", agent.address(), "-t", TOKEN);
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).contains("[DEBUG]");
  }

  @Test
  void aTooShortFileSendsTheEvent() throws IOException {
    Files.writeString(input, Lines.hosts(3));
    CliRun.Result r = go("in -d -k hosts -f " + input + " -l 100");
    assertThat(r.code()).isEqualTo(3);
    assertThat(String.join("\n", datagrams()))
        .contains("kvexpress in: hosts is too short")
        .contains("|t:error");
  }
}
