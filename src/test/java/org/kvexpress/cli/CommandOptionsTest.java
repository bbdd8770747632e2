package org.kvexpress.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import joptsimple.OptionParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvexpress.apply.ApplyInput;
import org.kvexpress.apply.WatchConfig;
import org.kvexpress.core.Encoding;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.publish.PublishInput;

/**
 * Parsing by parity, as JMH's TestOptions does: each command line parses to exactly the options
 * record built by hand, defaults included, and every cross-flag rule is a usage error before
 * anything runs.
 */
class CommandOptionsTest {
  private static final Duration THIRTY = Duration.ofSeconds(30);

  /**
   * What Cli does before running: the shared and the command's own options, parsed, then read once.
   */
  private static <O> O parse(Command<O> command, String... argv) {
    OptionParser parser = new OptionParser(false);
    new CommonOptions(parser, command.talksToConsul());
    command.declare(parser);
    return command.options(parser.parse(argv));
  }

  @Test
  void in() {
    assertThat(parse(new InCommand(), "-k", "hosts"))
        .isEqualTo(
            new InCommand.Options(
                "hosts",
                new InCommand.Source(null, null),
                false,
                new PublishInput.Guards(10, null, false, Encoding.MAX_DECODED_BYTES),
                new InCommand.Storing(false, null, false, false),
                false,
                new ExecOptions(null, THIRTY, false)));
    assertThat(
            parse(
                new InCommand(),
                "-k",
                "h",
                "-f",
                "F",
                "--verbatim",
                "-l",
                "3",
                "--max-shrink",
                "20",
                "--force",
                "-z",
                "--dry-run",
                "-e",
                "make reload",
                "--exec-timeout",
                "5s",
                "--pass-token",
                "--max-bytes",
                "999",
                "--sign-key",
                "k.key"))
        .isEqualTo(
            new InCommand.Options(
                "h",
                new InCommand.Source("F", null),
                true,
                new PublishInput.Guards(3, 20, true, 999),
                new InCommand.Storing(true, Path.of("k.key"), false, false),
                true,
                new ExecOptions("make reload", Duration.ofSeconds(5), true)));
    assertThat(parse(new InCommand(), "-k", "h", "-u", "http://x/y").source())
        .isEqualTo(new InCommand.Source(null, "http://x/y"));
  }

  @Test
  void inRules() {
    assertThatThrownBy(() -> parse(new InCommand(), "-k", "h", "-f", "F", "-u", "http://x"))
        .isInstanceOf(KvexpressException.class)
        .hasMessageContaining("pick one source");
    assertThatThrownBy(() -> parse(new InCommand(), "-k", "h", "--max-bytes", "0"))
        .isInstanceOf(KvexpressException.class)
        .hasMessageContaining("--max-bytes must be a positive");
  }

  @Test
  void watchConfigCarriesTrustKeysAndNoOlder(@TempDir Path tmp) throws Exception {
    Path f = tmp.resolve("w.json");
    Files.writeString(
        f,
        "{\"files\": [{\"key\": \"hosts\", \"file\": \"/etc/h\"}], "
            + "\"trust_keys\": [\"/etc/kvexpress/trusted\"], \"no_older\": true}");
    WatchConfig.Parsed p = WatchConfig.read(f);
    assertThat(p.trustKeys()).containsExactly("/etc/kvexpress/trusted");
    assertThat(p.noOlder()).isTrue();
    assertThat(p.files()).hasSize(1);
    Files.writeString(f, "{\"files\": [{\"key\": \"h\", \"file\": \"/f\"}], \"trust\": []}");
    assertThatThrownBy(() -> WatchConfig.read(f))
        .hasMessageContaining("unknown top-level field \"trust\"");
  }

  @Test
  void out() {
    assertThat(parse(new OutCommand(), "-k", "hosts", "-f", "/etc/hosts.consul"))
        .isEqualTo(
            new OutCommand.Options(
                "hosts",
                "/etc/hosts.consul",
                null,
                null,
                null,
                new ApplyInput.Guards(10, ApplyInput.DEFAULT_MAX_BYTES, false),
                new OutCommand.Trust(List.of(), false),
                new OutCommand.Hooks(
                    null, new ExecOptions(null, THIRTY, false), Duration.ZERO, false),
                new OutCommand.Brakes(0, null, List.of(), List.of(), Duration.ofSeconds(60)),
                null,
                new OutCommand.Run(false, OutCommand.MAX_WAIT, false, false, false, null)));
    assertThat(
            parse(
                new OutCommand(),
                "-k",
                "h",
                "-f",
                "F",
                "-m",
                "0644",
                "-o",
                "root:adm",
                "-l",
                "2",
                "--max-bytes",
                "1000",
                "--ignore-stop",
                "--check",
                "test -s {}",
                "-e",
                "pkill -HUP x",
                "--exec-timeout",
                "1m",
                "--pass-token",
                "--splay",
                "2s",
                "--restore-on-failure",
                "--hostname",
                "web-1",
                "--dry-run",
                "--report",
                "--trust-key",
                "a.pub",
                "--trust-key",
                "keys",
                "--no-older",
                "--reload-slots",
                "2",
                "--settle",
                "5s",
                "--health-service",
                "web",
                "--health-check",
                "service:web-2",
                "--healthy-within",
                "2m"))
        .isEqualTo(
            new OutCommand.Options(
                "h",
                "F",
                null,
                0644,
                "root:adm",
                new ApplyInput.Guards(2, 1000, true),
                new OutCommand.Trust(List.of(Path.of("a.pub"), Path.of("keys")), true),
                new OutCommand.Hooks(
                    "test -s {}",
                    new ExecOptions("pkill -HUP x", Duration.ofMinutes(1), true),
                    Duration.ofSeconds(2),
                    true),
                new OutCommand.Brakes(
                    2,
                    Duration.ofSeconds(5),
                    List.of("web"),
                    List.of("service:web-2"),
                    Duration.ofMinutes(2)),
                "web-1",
                new OutCommand.Run(false, OutCommand.MAX_WAIT, true, true, false, null)));
    assertThat(parse(new OutCommand(), "--watch", "--config", "w.json", "--wait", "30s").run())
        .isEqualTo(new OutCommand.Run(true, Duration.ofSeconds(30), false, false, false, null));
  }

  @Test
  void outRules() {
    for (String[] argv :
        new String[][] {
          {"--config", "w.json"},
          {"--watch", "--config", "w.json", "-k", "h"},
          {"-k", "h"},
          {"-f", "F"},
          {"-k", "h", "-f", "F", "--wait", "6m"},
          {"-k", "h", "-f", "F", "--max-bytes", "0"},
          {"-k", "h", "-f", "F", "--hostname", "a b"},
          {"-k", "h", "-f", "F", "--hostname", "a/b"},
          {"-k", "h", "-f", "F", "--no-older"},
          {"-k", "h", "-f", "F", "--settle", "5s"},
          {"-k", "h", "-f", "F", "--healthy-within", "5s"}
        }) {
      assertThatThrownBy(() -> parse(new OutCommand(), argv))
          .as(String.join(" ", argv))
          .isInstanceOf(KvexpressException.class);
    }
  }

  @Test
  void raw() {
    assertThat(parse(new RawCommand(), "-k", "a/b", "-f", "F"))
        .isEqualTo(
            new RawCommand.Options(
                "a/b", "F", 10, null, null, new ExecOptions(null, THIRTY, false)));
    assertThat(
            parse(
                new RawCommand(),
                "-k",
                "a/b",
                "-f",
                "F",
                "-l",
                "5",
                "-m",
                "600",
                "-o",
                "nobody",
                "-e",
                "x"))
        .isEqualTo(
            new RawCommand.Options(
                "a/b", "F", 5, 0600, "nobody", new ExecOptions("x", THIRTY, false)));
  }

  @Test
  void operatorCommands() {
    assertThat(parse(new CopyCommand(), "--from", "a", "--to", "b"))
        .isEqualTo(new CopyCommand.Options("a", "b", null));
    assertThatThrownBy(() -> parse(new CopyCommand(), "--from", "a", "--to", "a"))
        .isInstanceOf(KvexpressException.class)
        .hasMessageContaining("same key");
    assertThat(parse(new StopCommand(), "-k", "h", "-r", "  bad deploy "))
        .isEqualTo(new StopCommand.Options("h", "bad deploy", null));
    assertThat(parse(new StopCommand(), "-k", "h", "-r", "x", "--for", "2h").lasting())
        .isEqualTo(Duration.ofHours(2));
    assertThatThrownBy(() -> parse(new StopCommand(), "-k", "h", "-r", "x", "--for", "0s"))
        .hasMessageContaining("--for must be a positive duration");
    assertThatThrownBy(() -> parse(new StopCommand(), "-k", "h", "-r", " "))
        .isInstanceOf(KvexpressException.class);
    assertThat(parse(new ResumeCommand(), "-k", "h")).isEqualTo(new ResumeCommand.Options("h"));
    assertThat(parse(new LockCommand(true), "-f", "F"))
        .isEqualTo(new LockCommand.Options("F", "locked by an operator", null, null));
    assertThat(parse(new LockCommand(true), "-f", "F", "-r", "why", "--hostname", "web-2"))
        .isEqualTo(new LockCommand.Options("F", "why", "web-2", null));
    assertThat(parse(new LockCommand(true), "-f", "F", "--for", "30m").lasting())
        .isEqualTo(Duration.ofMinutes(30));
    assertThat(parse(new LockCommand(false), "-f", "F"))
        .isEqualTo(new LockCommand.Options("F", null, null, null));
    assertThat(parse(new CleanCommand(), "-f", "F")).isEqualTo(new CleanCommand.Options("F"));
    assertThat(parse(new StatusCommand())).isEqualTo(new StatusCommand.Options(null, false, false));
    assertThat(parse(new StatusCommand(), "-k", "h", "--json"))
        .isEqualTo(new StatusCommand.Options("h", true, false));
    assertThat(parse(new RollbackCommand(), "-k", "h"))
        .isEqualTo(new RollbackCommand.Options("h", null));
    assertThat(parse(new DiffCommand(), "-k", "h", "-f", "F"))
        .isEqualTo(new DiffCommand.Options("h", "F"));
  }

  @Test
  void devAgent() {
    assertThat(parse(new DevAgentCommand()))
        .isEqualTo(new DevAgentCommand.Options("127.0.0.1", 8500, null, 524_288, 0.0, null));
    assertThat(
            parse(
                new DevAgentCommand(),
                "--http-addr",
                "0.0.0.0:0",
                "--acl-token",
                "t",
                "--max-value-size",
                "10",
                "--fail-rate",
                "0.5",
                "--addr-file",
                "a"))
        .isEqualTo(new DevAgentCommand.Options("0.0.0.0", 0, "t", 10, 0.5, "a"));
    assertThatThrownBy(() -> parse(new DevAgentCommand(), "--fail-rate", "2"))
        .isInstanceOf(KvexpressException.class);
    assertThatThrownBy(() -> parse(new DevAgentCommand(), "--http-addr", "nope"))
        .isInstanceOf(KvexpressException.class);
  }

  @Test
  void replicateFromOptionsOrAFileTheSame(@TempDir Path dir) throws IOException {
    ReplicateCommand.Options fromFlags =
        parse(
            new ReplicateCommand(),
            "--from",
            "dc1",
            "--to",
            "dc2,dc3",
            "-k",
            "hosts",
            "-k",
            "app",
            "-l",
            "5",
            "--recheck",
            "10s",
            "--trust-key",
            "k.pub");
    Path f = dir.resolve("replicate.json");
    Files.writeString(
        f,
        "{\"from\": \"dc1\", \"to\": [\"dc2\", \"dc3\"], \"keys\": [\"hosts\", \"app\"],"
            + " \"min_lines\": 5, \"recheck\": \"10s\", \"trust_keys\": [\"k.pub\"]}");
    assertThat(parse(new ReplicateCommand(), "--config", f.toString())).isEqualTo(fromFlags);
    // Tokens are not in the file: given beside it, they count.
    assertThat(
            parse(
                    new ReplicateCommand(),
                    "--config",
                    f.toString(),
                    "--token-file-for",
                    "dc1=/r.token",
                    "--token-file-for",
                    "dc2=/w.token")
                .tokenFiles())
        .isEqualTo(Map.of("dc1", "/r.token", "dc2", "/w.token"));
    for (String[] argv :
        new String[][] {
          {"--from", "dc1", "--to", "dc1", "-k", "h"},
          {"--from", "dc1", "-k", "h"},
          {"--config", f.toString(), "--from", "dc1"},
          {"--config", f.toString(), "--trust-key", "other.pub"},
          {"--config", f.toString(), "-l", "3"},
          {"--config", f.toString(), "--recheck", "5s"},
          {"--from", "dc1", "--to", "dc2", "-k", "h", "--recheck", "6m"}
        }) {
      assertThatThrownBy(() -> parse(new ReplicateCommand(), argv))
          .as(String.join(" ", argv))
          .isInstanceOf(KvexpressException.class);
    }
    Files.writeString(f, "{\"from\": \"dc1\", \"to\": \"dc2\", \"keys\": [\"h\"]}");
    assertThatThrownBy(() -> parse(new ReplicateCommand(), "--config", f.toString()))
        .hasMessageContaining("wrong type");
  }
}
