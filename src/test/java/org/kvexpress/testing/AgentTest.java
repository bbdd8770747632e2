package org.kvexpress.testing;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Base of the end-to-end tests: a fresh, empty backend (the dev agent or real Consul, see {@link
 * Backend}) and a temp directory for each test.
 */
@ExtendWith(BackendExtension.class)
public abstract class AgentTest {
  protected Backend agent;
  @TempDir protected Path tmp;

  @BeforeEach
  void useBackend(Backend backend) {
    agent = backend;
  }
}
