package org.kvexpress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvexpress.agent.DevAgent;
import org.kvexpress.agent.RecordedRequest;
import org.kvexpress.testing.CliRun;
import org.kvexpress.testing.Lines;

/** Token hygiene (issue 7): every command, succeeding and failing, verbose, never shows the token anywhere. */
class SecurityIT {
  private static final String TOKEN = "c0ffee00-feed-4bad-beef-5ecre7t0ken1";
  private final ByteArrayOutputStream agentLog = new ByteArrayOutputStream();
  private DevAgent agent;
  private DevAgent other;
  @TempDir
  Path tmp;

  @BeforeEach
  void start() throws IOException {
    agent = new DevAgent(DevAgent.Config.defaults().withAclToken(TOKEN)
        .withVerbose(true, new PrintStream(agentLog, true))).start();
    other = new DevAgent(DevAgent.Config.defaults().withAclToken("another-token")).start();
  }

  @AfterEach
  void stop() {
    agent.close();
    other.close();
  }

  private List<String[]> everyCommand() {
    String f = tmp.resolve("file").toString();
    return List.of(new String[] {"in", "-k", "k"}, new String[] {"in", "-k", "k", "--dry-run"},
        new String[] {"out", "-k", "k", "-f", f}, new String[] {"raw", "-k", "kvexpress/k/data", "-f", f},
        new String[] {"copy", "--from", "k", "--to", "k2"}, new String[] {"stop", "-k", "k", "-r", "test"},
        new String[] {"rollback", "-k", "k"}, new String[] {"diff", "-k", "k"}, new String[] {"status"},
        new String[] {"status", "--json"}, new String[] {"resume", "-k", "k"}, new String[] {"lock", "-f", f},
        new String[] {"unlock", "-f", f}, new String[] {"out", "-k", "nothing", "-f", f},
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
    Files.writeString(tokenFile, TOKEN);
    for (String[] cmd : everyCommand()) {
      for (DevAgent target : List.of(agent, other)) {
        for (String[] auth : List.of(new String[] {"-t", TOKEN}, new String[] {"--token-file", tokenFile.toString()})) {
          CliRun.Result r = CliRun.against(target.address()).stdin(Lines.hosts(12))
              .run(with(cmd, with(auth, "-v", "--retry-for", "1s")));
          assertThat(r.all()).as(String.join(" ", cmd)).doesNotContain(TOKEN).doesNotContain(TOKEN.substring(0, 12));
        }
      }
      CliRun.Result env = CliRun.against(agent.address()).env("CONSUL_HTTP_TOKEN", TOKEN).stdin(Lines.hosts(12))
          .run(with(cmd, "-v"));
      assertThat(env.all()).doesNotContain(TOKEN);
    }
    for (RecordedRequest q : agent.requests()) {
      assertThat(q.requestLine()).doesNotContain(TOKEN);
    }
    assertThat(agentLog.toString(StandardCharsets.UTF_8)).doesNotContain(TOKEN);
  }

  @Test
  void aFailingConnectionNeverShowsTheTokenEither() {
    CliRun.Result r = CliRun.cli().stdin(Lines.hosts(12))
        .run("in", "-k", "k", "-s", "http://127.0.0.1:1/" + "x", "-t", TOKEN, "-v", "--retry-for", "200ms");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.all()).doesNotContain(TOKEN);
  }
}
