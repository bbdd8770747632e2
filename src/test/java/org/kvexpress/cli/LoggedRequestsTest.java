package org.kvexpress.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.kvexpress.log.Log;

class LoggedRequestsTest {
  @Test
  void oneWarningPerOutageEvenWhenConsulAnswersWithErrors() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    LoggedRequests trace =
        new LoggedRequests(
            new Log(new PrintStream(out, true), Clock.systemUTC(), Log.Level.INFO), "a:1");
    Duration budget = Duration.ofSeconds(2);
    trace.answered("PUT", "/v1/txn", 500, 3);
    trace.retrying("HTTP 500", 1, 100, budget);
    trace.answered("PUT", "/v1/txn", 500, 3);
    trace.retrying("HTTP 500", 2, 200, budget);
    trace.unanswered("PUT", "/v1/txn", "connection refused", 1);
    trace.retrying("connection refused", 3, 400, budget);
    assertThat(warnings(out)).isEqualTo(1);
    trace.answered("PUT", "/v1/txn", 200, 3);
    trace.retrying("HTTP 500", 1, 100, budget);
    assertThat(warnings(out)).as("a new outage after Consul answered").isEqualTo(2);
  }

  private static long warnings(ByteArrayOutputStream out) {
    return out.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("[WARN]")).count();
  }
}
