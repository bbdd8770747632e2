package org.kvexpress.testing;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Base of the end-to-end tests: a fresh, empty backend (the dev agent or real Consul, see {@link Backend})
 * and a temp directory for each test.
 */
public abstract class AgentTest {
  protected Backend agent;
  @TempDir
  protected Path tmp;

  @BeforeEach
  void startAgent() throws IOException {
    agent = Backend.start();
  }

  @AfterEach
  void stopAgent() {
    agent.close();
  }
}
