package org.kvexpress.testing;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.kvexpress.agent.DevAgent;

/** Base of the end-to-end tests: a fresh dev agent on a free port and a temp directory for each test. */
public abstract class AgentTest {
  protected DevAgent agent;
  @TempDir
  protected Path tmp;

  @BeforeEach
  void startAgent() throws IOException {
    agent = new DevAgent().start();
  }

  @AfterEach
  void stopAgent() {
    agent.close();
  }
}
