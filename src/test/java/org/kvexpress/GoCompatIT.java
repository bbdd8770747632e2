package org.kvexpress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.TreeSet;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.kvexpress.core.Checksum;
import org.kvexpress.testing.Backend;
import org.kvexpress.testing.BackendExtension;
import org.kvexpress.testing.CliRun;
import org.kvexpress.testing.Dogstatsd;
import org.kvexpress.testing.Http;
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
    assertThat(go("raw -k kvexpress/zipped/checksum -f " + tmp.resolve("raw") + " -z -l 1").code())
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

  // Part A of issue 26: where a Go fleet or a Go operator was hurt.

  @Test
  void aStopValueThatLooksLikeAFreezeStillHaltsForever() throws IOException {
    assertThat(go("in -k hosts -f " + input).code()).isZero();
    // Go's own stop, whose free text happens to read like an expired freeze: it halts, as in Go.
    Store.put(agent, "kvexpress/hosts/stop", "DB migration (until 2020-01-01T00:00:00Z, ask #ops)");
    Path file = tmp.resolve("frozen");
    CliRun.Result out = go("out -k hosts -f " + file);
    assertThat(out.code()).as(out.err()).isEqualTo(4);
    assertThat(file).doesNotExist();
    Files.writeString(input, Lines.hosts(130));
    assertThat(go("in -k hosts -f " + input).code()).as("in halts too").isEqualTo(4);
  }

  @Test
  void aConsulWatchHandlerIsNotEndedByAHaltOrARefusal() throws IOException {
    assertThat(go("in -k hosts -f " + input).code()).isZero();
    assertThat(go("stop -k hosts -r 'maintenance'").code()).isZero();
    Path file = tmp.resolve("handled");
    // As `consul watch -type key … kvexpress out …` runs it: CONSUL_INDEX set.
    CliRun.Result handler = goWith("CONSUL_INDEX", "42", "out -k hosts -f " + file);
    assertThat(handler.code()).as("exit 0 keeps the watch alive: " + handler.err()).isZero();
    assertThat(handler.err()).contains("result=halted").contains("reason=stop_key");
    assertThat(file).doesNotExist();
    assertThat(goWith("CONSUL_INDEX", "42", "out --strict -k hosts -f " + file).code())
        .as("--strict keeps the code")
        .isEqualTo(4);
    assertThat(go("out -k hosts -f " + file).code()).as("outside a handler: 4").isEqualTo(4);
    assertThat(goWith("CONSUL_INDEX", "42", "raw -k kvexpress/hosts/stop -f " + file).code())
        .as("raw's guard refuses a one-line value, softly in a handler")
        .isZero();
    assertThat(file).doesNotExist();
  }

  @Test
  void keysGoAcceptsArePublishedAppliedAndListed() throws IOException {
    for (String key : List.of("hosts@dc1", "a:b", "with space", "q?x&y=z#f%25")) {
      assertThat(go("in -k '" + key + "' -f " + input).code()).as(key).isZero();
      Path file = tmp.resolve("applied-" + key.hashCode());
      CliRun.Result out = go("out -k '" + key + "' -f " + file);
      assertThat(out.code()).as(key + ": " + out.err()).isZero();
      assertThat(file).as(key).hasBinaryContent(canonical(Files.readString(input)));
    }
    assertThat(Store.data(agent, "kvexpress", "hosts@dc1"))
        .isEqualTo(canonical(Files.readString(input)));
    // One foreign key whose name kvexpress cannot use does not break the listing.
    String txn = "[{\"KV\":{\"Verb\":\"set\",\"Key\":\"kvexpress/x//y/data\",\"Value\":\"eA==\"}}]";
    assertThat(Http.put(agent.url("/v1/txn"), txn, Store.auth(agent)).statusCode()).isEqualTo(200);
    CliRun.Result status = go("status");
    assertThat(status.code()).as(status.err()).isZero();
    assertThat(status.out()).contains("hosts@dc1").contains("a:b").contains("with space");
    assertThat(status.err()).contains("x//y");
    CliRun.Result json = go("status --json");
    assertThat(json.code()).as(json.err()).isZero();
    assertThat(json.out()).contains("\"hosts@dc1\"").contains("\"skipped\"");
  }

  @Test
  void rawKeepsGosDefaultGuardOfTenLines() throws IOException {
    Store.put(agent, "app/settings", "a=1\nb=2\nc=3\n");
    Path file = tmp.resolve("settings");
    CliRun.Result r = go("raw -k app/settings -f " + file);
    assertThat(r.code()).as("three lines are fewer than Go's -l 10: " + r.err()).isEqualTo(3);
    assertThat(file).doesNotExist();
    assertThat(go("raw -k app/settings -f " + file + " -l 3").code()).isZero();
    assertThat(file).hasContent("a=1\nb=2\nc=3");
  }

  @Test
  void gosMetricNamesAndTagsReachDogstatsd() throws IOException {
    assertThat(go("in -d true -k hosts -f " + input).code()).isZero();
    Path file = tmp.resolve("metrics");
    assertThat(go("out -d true -k hosts -f " + file).code()).isZero();
    String all = String.join("\n", datagrams());
    assertThat(all)
        .containsPattern(
            "kvexpress\\.in:1\\|c\\|#key:hosts,host:[^,]+,direction:in,location:complete")
        .contains("kvexpress.lines:120|g")
        .containsPattern("kvexpress\\.bytes:\\d+\\|g")
        .containsPattern(
            "kvexpress\\.out:1\\|c\\|#key:hosts,host:[^,]+,direction:out,location:complete")
        .containsPattern("kvexpress\\.time:\\d+\\|g\\|#key:hosts");
    Files.writeString(input, Lines.hosts(3));
    assertThat(go("in -d -k hosts -f " + input).code()).isEqualTo(3);
    assertThat(String.join("\n", datagrams()))
        .contains("kvexpress.not_long_enough:1|c")
        .contains("location:not_long_enough");
  }

  @Test
  void anOldGoCompressedValueIsAppliedWhenItsChecksumProvesIt() throws IOException {
    byte[] content = canonical(Lines.hosts(40));
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
      z.write(content);
    }
    // What Go kvexpress 1.5–1.14 `in -z` stored: base64 text of gzip, Flags 0, and the checksum of
    // the uncompressed data.
    Store.put(agent, "kvexpress/old/data", Base64.getEncoder().encodeToString(gz.toByteArray()));
    Store.put(agent, "kvexpress/old/checksum", Checksum.sha256Hex(content));
    Path file = tmp.resolve("old");
    CliRun.Result r = go("out -k old -f " + file);
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(file).hasBinaryContent(content);
    Store.put(agent, "kvexpress/old/checksum", Checksum.sha256Hex(new byte[] {1}));
    CliRun.Result bad = go("out -k old -f " + tmp.resolve("old2"));
    assertThat(bad.code()).isEqualTo(3);
    assertThat(bad.err()).contains("written by an old Go kvexpress with -z").contains("republish");
  }

  @Test
  void ownerWithoutAGroupTakesTheUsersPrimaryGroupAsGoDid() throws IOException {
    Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")), "chown to another user needs root");
    assertThat(go("in -k hosts -f " + input).code()).isZero();
    Path file = tmp.resolve("owned");
    CliRun.Result r = go("out -k hosts -f " + file + " -o nobody");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(Files.getOwner(file).getName()).isEqualTo("nobody");
    String group = Files.readAttributes(file, PosixFileAttributes.class).group().getName();
    assertThat(group).as("nobody's primary group").isIn("nogroup", "nobody");
  }

  @Test
  void kvexpressDebugAcceptsAnyTrueValue() {
    for (String value : List.of("true", "yes", "TRUE")) {
      CliRun.Result r =
          CliRun.cli()
              .env("KVEXPRESS_DEBUG", value)
              .run("in", "-k", "hosts", "-f", input.toString(), "-s", agent.address(), "-t", TOKEN);
      assertThat(r.err()).as(value).contains("[DEBUG]");
    }
    CliRun.Result off =
        CliRun.cli()
            .env("KVEXPRESS_DEBUG", "false")
            .run("in", "-k", "hosts", "-f", input.toString(), "-s", agent.address(), "-t", TOKEN);
    assertThat(off.err()).doesNotContain("[DEBUG]");
  }

  /** {@link #go} with one environment variable set, as Consul sets CONSUL_INDEX for a handler. */
  private CliRun.Result goWith(String name, String value, String line) {
    List<String> argv = new ArrayList<>(List.of(shellWords(line)));
    argv.addAll(List.of("-s", agent.address(), "-t", TOKEN, "-D", dogstatsd.address()));
    return CliRun.cli().env(name, value).run(argv.toArray(new String[0]));
  }
}
