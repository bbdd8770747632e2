package org.kvexpress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.kvexpress.core.Checksum;
import org.kvexpress.testing.AgentTest;
import org.kvexpress.testing.CliRun;
import org.kvexpress.testing.Lines;
import org.kvexpress.testing.Store;

/**
 * Promises under faults and concurrency (issue 7): retries absorb a flaky agent; readers never see
 * a tear.
 */
class ReliabilityIT extends AgentTest {
  @Test
  void withThirtyPercentOfRequestsFailingTenPublishesAndTenAppliesSucceed() throws IOException {
    agent.setFailRate(0.3);
    Path file = tmp.resolve("hosts");
    // The default retry budget (20 s), not the tests' short one: with 2 s, five failed tries in a
    // row (0.3^5) end about one run in fifteen.
    for (int i = 0; i < 10; i++) {
      CliRun.Result in =
          CliRun.against(agent.address())
              .stdin(Lines.hosts(10 + i))
              .run("in", "-k", "hosts", "--retry-for", "20s");
      assertThat(in.code()).as("publish %d: %s", i, in.err()).isZero();
      CliRun.Result out =
          CliRun.against(agent.address())
              .run("out", "-k", "hosts", "-f", file.toString(), "--retry-for", "20s");
      assertThat(out.code()).as("apply %d: %s", i, out.err()).isZero();
    }
    agent.setFailRate(0);
    assertThat(Checksum.sha256Hex(Files.readAllBytes(file)))
        .isEqualTo(Store.get(agent, "kvexpress/hosts/checksum").text());
    Store.assertConsistent(agent, "kvexpress", "hosts");
  }

  @Test
  void repeatedOutRunsNeverSeeDataAndChecksumDisagreeWhileFortyVersionsArePublished()
      throws Exception {
    CliRun.against(agent.address()).stdin(Lines.hosts(10)).run("in", "-k", "torn");
    AtomicBoolean publishing = new AtomicBoolean(true);
    List<String> publishFailures = new ArrayList<>();
    Thread publisher =
        new Thread(
            () -> {
              for (int v = 0; v < 40; v++) {
                CliRun.Result r =
                    CliRun.against(agent.address())
                        .stdin(Lines.hosts(11 + v))
                        .run("in", "-k", "torn");
                if (r.code() != 0) {
                  publishFailures.add(r.err());
                }
              }
              publishing.set(false);
            });
    publisher.start();
    Path file = tmp.resolve("torn");
    int runs = 0;
    while (publishing.get() || runs < 10) {
      CliRun.Result r =
          CliRun.against(agent.address()).run("out", "-k", "torn", "-f", file.toString());
      assertThat(r.code()).as("out run %d: %s", runs, r.err()).isZero();
      runs++;
    }
    publisher.join();
    assertThat(publishFailures).isEmpty();
    assertThat(runs).isGreaterThan(10);
  }
}
