package org.kvexpress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.kvexpress.agent.RecordedRequest;
import org.kvexpress.testing.Backend;
import org.kvexpress.testing.BackendExtension;
import org.kvexpress.testing.CliRun;
import org.kvexpress.testing.Jar;
import org.kvexpress.testing.Lines;

/**
 * Token hygiene (issue 7): every command, succeeding and failing, verbose, never shows the token
 * anywhere.
 */
class SecurityIT {
  private static final String TOKEN = "c0ffee00-feed-4bad-beef-5ec2e7f0ce11";
  @RegisterExtension static final BackendExtension BACKEND = BackendExtension.withAcl(TOKEN);

  /** A well-formed token the agent does not know: every command fails with it. */
  private static final String UNKNOWN = "0dd0dd00-feed-4bad-beef-000000000bad";

  private Backend agent;
  @TempDir Path tmp;

  @BeforeEach
  void start(Backend backend) throws IOException {
    agent = backend;
  }

  private List<String[]> everyCommand() {
    String f = tmp.resolve("file").toString();
    return List.of(
        new String[] {"in", "-k", "k"},
        new String[] {"in", "-k", "k", "--dry-run"},
        new String[] {"out", "-k", "k", "-f", f},
        new String[] {"raw", "-k", "kvexpress/k/data", "-f", f},
        new String[] {"copy", "--from", "k", "--to", "k2"},
        new String[] {"stop", "-k", "k", "-r", "test"},
        new String[] {"rollback", "-k", "k"},
        new String[] {"diff", "-k", "k"},
        new String[] {"status"},
        new String[] {"status", "--json"},
        new String[] {"resume", "-k", "k"},
        new String[] {"lock", "-f", f},
        new String[] {"unlock", "-f", f},
        new String[] {"out", "-k", "nothing", "-f", f},
        new String[] {"in", "-k", "k", "-l", "999"});
  }

  private static String[] with(String[] cmd, String... extra) {
    List<String> all = new ArrayList<>(List.of(cmd));
    all.addAll(List.of(extra));
    return all.toArray(new String[0]);
  }

  @Test
  void theTokenAppearsInNoOutputNoUrlAndNoLog() throws IOException {
    Path tokenFile = tmp.resolve("token");
    for (String[] cmd : everyCommand()) {
      for (String token : List.of(TOKEN, UNKNOWN)) {
        Files.writeString(tokenFile, token);
        for (String[] auth :
            List.of(
                new String[] {"-t", token}, new String[] {"--token-file", tokenFile.toString()})) {
          CliRun.Result r =
              CliRun.against(agent.address())
                  .stdin(Lines.hosts(12))
                  .run(with(cmd, with(auth, "-v", "--retry-for", "1s")));
          assertThat(r.all())
              .as(String.join(" ", cmd))
              .doesNotContain(token)
              .doesNotContain(token.substring(0, 12));
        }
      }
      CliRun.Result env =
          CliRun.against(agent.address())
              .env("CONSUL_HTTP_TOKEN", TOKEN)
              .stdin(Lines.hosts(12))
              .run(with(cmd, "-v"));
      assertThat(env.all()).doesNotContain(TOKEN);
    }
    for (RecordedRequest q : agent.requests()) {
      assertThat(q.requestLine()).doesNotContain(TOKEN).doesNotContain(UNKNOWN);
    }
    assertThat(agent.log()).doesNotContain(TOKEN).doesNotContain(UNKNOWN);
  }

  @Test
  void execAndCheckCommandsDoNotInheritTheTokenUnlessPassTokenSaysSo() throws Exception {
    Path tokenFile = tmp.resolve("token");
    Files.writeString(tokenFile, TOKEN);
    Map<String, String> env =
        Map.of(
            "CONSUL_HTTP_ADDR",
            agent.address(),
            "CONSUL_HTTP_TOKEN",
            TOKEN,
            "CONSUL_HTTP_TOKEN_FILE",
            tokenFile.toString());
    assertThat(
            Jar.run(
                    env,
                    "in",
                    "-k",
                    "k",
                    "-f",
                    write("in", Lines.hosts(12)),
                    "-e",
                    "env > " + tmp.resolve("in.env"))
                .code())
        .isZero();
    assertThat(
            Jar.run(
                    env,
                    "out",
                    "-k",
                    "k",
                    "-f",
                    tmp.resolve("a").toString(),
                    "--check",
                    "env > " + tmp.resolve("check.env"),
                    "-e",
                    "env > " + tmp.resolve("out.env"))
                .code())
        .isZero();
    for (String f : List.of("in.env", "check.env", "out.env")) {
      assertThat(Files.readString(tmp.resolve(f)))
          .as(f)
          .doesNotContain(TOKEN)
          .doesNotContain("CONSUL_HTTP_TOKEN")
          .contains("CONSUL_HTTP_ADDR");
    }
    assertThat(
            Jar.run(
                    env,
                    "out",
                    "-k",
                    "k",
                    "-f",
                    tmp.resolve("b").toString(),
                    "--pass-token",
                    "-e",
                    "env > " + tmp.resolve("passed.env"))
                .code())
        .isZero();
    assertThat(Files.readString(tmp.resolve("passed.env")))
        .contains("CONSUL_HTTP_TOKEN=" + TOKEN)
        .contains("CONSUL_HTTP_TOKEN_FILE=" + tokenFile);
  }

  private String write(String name, String content) throws IOException {
    Path p = tmp.resolve(name);
    Files.writeString(p, content);
    return p.toString();
  }

  @Test
  void aFailingConnectionNeverShowsTheTokenEither() {
    CliRun.Result r =
        CliRun.cli()
            .stdin(Lines.hosts(12))
            .run(
                "in",
                "-k",
                "k",
                "-s",
                "http://127.0.0.1:1/" + "x",
                "-t",
                TOKEN,
                "-v",
                "--retry-for",
                "200ms");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.all()).doesNotContain(TOKEN);
  }
}
