package org.kvexpress.testing;

import java.io.IOException;
import java.util.List;
import java.util.function.Predicate;
import org.kvexpress.agent.Fault;
import org.kvexpress.agent.RecordedRequest;

/**
 * The Consul an end-to-end test talks to: the dev agent, or a real Consul agent behind a
 * fault-injecting proxy. Which one is chosen by the system property {@code kvexpress.backend}
 * ({@code dev} or {@code consul}); {@code mvn verify} runs every end-to-end test once with each.
 * Both record requests and inject the same faults, so a test reads the same against either.
 */
public interface Backend extends AutoCloseable {
  /** Options for a backend with ACLs: {@code token} is a management token the test may use. */
  record Acl(String token) {}

  /** A fresh, empty backend of the kind this run tests. */
  static Backend start() throws IOException {
    return start(null);
  }

  /**
   * A fresh, empty backend; with {@code acl}, ACLs are enforced (default deny) and {@code
   * acl.token()} is a management token (it must be a UUID: real Consul accepts nothing else as a
   * secret).
   */
  static Backend start(Acl acl) throws IOException {
    return realConsul() ? ConsulBackend.start(acl) : DevAgentBackend.start(acl);
  }

  /** True when this run tests real Consul. */
  static boolean realConsul() {
    return System.getProperty("kvexpress.backend", "dev").equals("consul");
  }

  /** "dev agent" or "consul 1.8.7", for messages. */
  String kind();

  /** host:port, the form CONSUL_HTTP_ADDR and -s take. */
  String address();

  default String url(String path) {
    return "http://" + address() + path;
  }

  default String url() {
    return url("");
  }

  /** A management token for the test's own reads and writes, or null when ACLs are off. */
  String managementToken();

  /** The requests received so far, oldest first. */
  List<RecordedRequest> requests();

  default int requestCount() {
    return requests().size();
  }

  void clearRequests();

  void failWhen(Predicate<RecordedRequest> when, Fault fault, int times);

  /**
   * Injects {@code fault} into the next {@code times} matching requests; with {@link
   * Fault#DROP_AFTER_APPLY}, {@code meanwhile} runs after each is applied and before its answer is
   * dropped.
   */
  void failWhen(Predicate<RecordedRequest> when, Fault fault, int times, Runnable meanwhile);

  default void failNext(Fault fault) {
    failWhen(r -> true, fault, 1);
  }

  /** Fails this fraction of all requests, half with 500 and half by dropping the connection. */
  void setFailRate(double rate);

  /**
   * Restarts the agent with an empty store at the same address, as a Consul dev agent that crashed
   * and came back: its index starts over, below what its clients last saw. Only for backends
   * without ACLs.
   */
  void restartEmpty() throws IOException;

  /** What the agent logged during this test (the dev agent's verbose log, or Consul's own log). */
  String log();

  @Override
  void close();
}
