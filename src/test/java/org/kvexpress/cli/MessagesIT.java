package org.kvexpress.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.kvexpress.testing.AgentTest;
import org.kvexpress.testing.CliRun;
import org.kvexpress.testing.Lines;

/**
 * Careless input, as a new user types it: every case ends in one error line that names the problem
 * in words and the fix, with a documented exit code. It fails on any Java class name (an
 * exception's name, a package), on "null", and on a bare path given as the reason ("…: /x/y").
 */
class MessagesIT extends AgentTest {
  private static final Pattern JAVA =
      Pattern.compile(
          "\\b[A-Z]\\w*(Exception|Error)\\b|\\bjava\\.|\\bcom\\.google|\\borg\\.apache");
  private static final Pattern BARE_REASON =
      Pattern.compile(":\\s+[^\\s;\"]*[./][^\\s;\"]*(\"|;|$)", Pattern.MULTILINE);
  private static final Pattern NULL = Pattern.compile("\\bnull\\b");

  private record Case(String what, CliRun run, String... argv) {}

  private CliRun consul() {
    return CliRun.against(agent.address());
  }

  @Test
  void everyCarelessInputGetsOneLineInWords() throws IOException {
    Path dir = tmp.resolve("dir");
    Files.createDirectories(dir);
    Path input = tmp.resolve("hosts.in");
    Files.writeString(input, Lines.hosts(12));
    Path badJson = tmp.resolve("bad.json");
    Files.writeString(badJson, "{\"files\": [\n");
    Path wrongType = tmp.resolve("wrong.json");
    Files.writeString(wrongType, "{\"files\": [{\"key\": \"h\", \"file\": [\"x\"]}]}");
    Path watchJson = tmp.resolve("watch.json");
    Files.writeString(watchJson, "{\"files\": [{\"key\": \"h\", \"file\": \"" + tmp + "/h\"}]}");
    Path badYaml = tmp.resolve("config.yml");
    Files.writeString(badYaml, "consul_server: [unclosed\n");
    String missing = tmp.resolve("missing").toString();
    assertThat(consul().stdin(Lines.hosts(12)).run("in", "-k", "hosts").code()).isZero();
    List<Case> cases =
        List.of(
            new Case(
                "bad --config JSON", consul(), "out", "--watch", "--config", badJson.toString()),
            new Case(
                "--config of the wrong type",
                consul(),
                "out",
                "--watch",
                "--config",
                wrongType.toString()),
            new Case(
                "watch config without --watch", consul(), "out", "--config", watchJson.toString()),
            new Case(
                "missing -C", consul(), "in", "-k", "h", "-f", input.toString(), "-C", missing),
            new Case(
                "-C a directory",
                consul(),
                "in",
                "-k",
                "h",
                "-f",
                input.toString(),
                "-C",
                dir.toString()),
            new Case(
                "-C not YAML",
                consul(),
                "in",
                "-k",
                "h",
                "-f",
                input.toString(),
                "-C",
                badYaml.toString()),
            new Case("missing -f", consul(), "in", "-k", "h", "-f", missing),
            new Case("-f a directory", consul(), "in", "-k", "h", "-f", dir.toString()),
            new Case("URL refused", consul(), "in", "-k", "h", "-u", "http://127.0.0.1:1/x"),
            new Case(
                "missing sign key",
                consul(),
                "in",
                "-k",
                "h",
                "-f",
                input.toString(),
                "--sign-key",
                "nokey.key"),
            new Case(
                "missing trust key",
                consul(),
                "out",
                "-k",
                "hosts",
                "-f",
                tmp.resolve("o").toString(),
                "--trust-key",
                "nokey.pub"),
            new Case(
                "token file missing",
                consul(),
                "out",
                "-k",
                "hosts",
                "-f",
                tmp.resolve("o").toString(),
                "--token-file",
                missing),
            new Case(
                "token file a directory",
                consul(),
                "out",
                "-k",
                "hosts",
                "-f",
                tmp.resolve("o").toString(),
                "--token-file",
                dir.toString()),
            new Case(
                "out under /proc", consul(), "out", "-k", "hosts", "-f", "/proc/kvexpress-none/x"),
            new Case("out to a directory", consul(), "out", "-k", "hosts", "-f", dir.toString()),
            new Case("diff -f a directory", consul(), "diff", "-k", "hosts", "-f", dir.toString()),
            new Case("keygen under /proc", CliRun.cli(), "keygen", "--out", "/proc/kvexpress-none"),
            new Case(
                "unknown owner",
                consul(),
                "out",
                "-k",
                "hosts",
                "-f",
                tmp.resolve("o").toString(),
                "-o",
                "no-such-user-kvx"),
            new Case(
                "--verbatim --sorted",
                consul().stdin("x"),
                "in",
                "-k",
                "h",
                "--verbatim",
                "--sorted"),
            new Case(
                "-m with Go's -c",
                consul(),
                "out",
                "-k",
                "hosts",
                "-f",
                tmp.resolve("o").toString(),
                "-m",
                "0644",
                "-c",
                "416"),
            new Case("missing -k", consul().stdin("x"), "in"),
            new Case("missing -k and -f", consul(), "raw"),
            new Case(
                "an address this machine lacks",
                CliRun.cli(),
                "dev-agent",
                "--http-addr",
                "10.255.255.1:18999"),
            new Case(
                "https to a plain agent",
                CliRun.cli(),
                "in",
                "-k",
                "h",
                "-f",
                input.toString(),
                "-s",
                "https://" + agent.address(),
                "--retry-for",
                "1s"));
    List<String> problems = new ArrayList<>();
    for (Case c : cases) {
      CliRun.Result r = c.run().run(c.argv());
      String err = r.err().strip();
      String error = err.lines().filter(l -> !l.contains("[WARN]")).reduce("", (a, b) -> a + b);
      if (r.code() == 0) {
        problems.add(c.what() + ": exit 0");
      }
      if (err.lines().filter(l -> !l.contains("[WARN]")).count() != 1) {
        problems.add(c.what() + ": not one line: " + err);
      }
      if (JAVA.matcher(error).find() || NULL.matcher(error).find()) {
        problems.add(c.what() + ": Java internals: " + error);
      }
      if (BARE_REASON.matcher(error.replaceAll("; see 'kvexpress [a-z-]+ --help'$", "")).find()) {
        problems.add(c.what() + ": a bare path as the reason: " + error);
      }
      System.out.println(c.what() + " -> " + r.code() + ": " + error);
    }
    assertThat(problems).isEmpty();
  }
}
