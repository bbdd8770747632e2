package org.kvexpress.startup;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;
import org.apache.commons.io.FileUtils;
import org.kvexpress.agent.DevAgent;
import org.kvexpress.cli.Cli;
import org.kvexpress.cli.CliEnvironment;
import org.kvexpress.core.Checksum;

/**
 * The training run behind the AppCDS archive that {@code mvn package} builds
 * (target/kvexpress.jsa): it starts a dev agent in this JVM and runs the commands a fleet runs
 * most, so that their classes (and the lambdas they use) are archived and later starts skip loading
 * and linking them. Not a user command.
 */
public final class CdsTraining {
  private CdsTraining() {}

  public static void main(String[] args) throws IOException {
    DevAgent.serveWithoutDelay();
    Path dir = Files.createTempDirectory("kvexpress-cds");
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    // With an agent's address (bin/kvexpress-cds passes one), train against that process, so the
    // archive holds only what a node's kvexpress loads; without, a dev agent runs in this JVM.
    try (DevAgent agent =
        args.length > 0
            ? null
            : new DevAgent(DevAgent.Config.defaults().withVerbose(false, quiet)).start()) {
      String address = args.length > 0 ? args[0] : agent.address();
      StringBuilder content = new StringBuilder();
      for (int i = 0; i < 200; i++) {
        content
            .append("10.0.")
            .append(i / 250)
            .append('.')
            .append(i % 250)
            .append(" host-")
            .append(i)
            .append('\n');
      }
      String file = dir.resolve("hosts").toString();
      run(address, content.toString(), "in", "-k", "hosts");
      run(address, "", "out", "-k", "hosts", "-f", file, "-m", "0644");
      run(address, "", "out", "-k", "hosts", "-f", file);
      run(address, content + "10.9.9.9 extra\n", "in", "-k", "hosts", "-z");
      run(address, "", "out", "-k", "hosts", "-f", file, "-e", "true");
      run(address, content.toString(), "in", "-k", "hosts", "--dry-run");
      run(address, "", "status");
      // A watch handler's run: the checksum pair on stdin, the file current (no request is sent).
      String sum = Checksum.sha256Hex(Files.readAllBytes(Path.of(file)));
      run(
          address,
          "{\"Key\":\"kvexpress/hosts/checksum\",\"ModifyIndex\":9,\"Flags\":0,\"Value\":\""
              + Base64.getEncoder().encodeToString(sum.getBytes(StandardCharsets.US_ASCII))
              + "\"}",
          "out",
          "-k",
          "hosts",
          "-f",
          file);
      run(address, "", "out", "-k", "missing", "-f", file);
    } finally {
      FileUtils.deleteQuietly(dir.toFile());
    }
  }

  private static void run(String address, String stdin, String... args) {
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    // The host name comes from CliEnvironment.system(), so the archive holds the lambda a real run
    // creates there.
    CliEnvironment env =
        new CliEnvironment(
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            quiet,
            quiet,
            Map.of("CONSUL_HTTP_ADDR", address),
            Clock.systemUTC(),
            CliEnvironment.system().hostname(),
            false);
    new Cli(env).run(args);
  }
}
