package org.kvexpress.kv;

import java.time.Duration;
import java.util.List;
import org.kvexpress.core.HealthVerdict.Check;

/**
 * What the rollout brakes need of Consul beyond its KV store: sessions (a reload slot is held by
 * one), a KV acquire, and this node's health checks as a blocking query. Consul's own primitives
 * (Consul's /v1/session and /v1/health APIs); the kvexpress dev agent offers none of them, and a
 * call to it fails naming that.
 */
public interface AgentApi {
  /**
   * A new session on the local agent's node, tied to its serfHealth check and to {@code ttl}, whose
   * keys are deleted when it ends (Behavior delete) and with no lock delay: its id.
   */
  String createSession(String name, Duration ttl);

  /** Renews a session's TTL: false when Consul no longer knows it (it was invalidated). */
  boolean renewSession(String id);

  /** Ends a session (its held keys are deleted); ending an unknown session succeeds. */
  void destroySession(String id);

  /** Writes {@code key} held by {@code session} (Consul's ?acquire): whether Consul granted it. */
  boolean acquire(String key, byte[] value, String session);

  /**
   * The health checks Consul holds for {@code node} (Consul's /v1/health/node), as a blocking
   * query: answers when their index moves past {@code index} or {@code wait} ends (at once with
   * index 0).
   */
  NodeChecks nodeChecks(String node, long index, Duration wait);

  /** A node's checks with the index to block on next. */
  record NodeChecks(List<Check> checks, long index) {
    public NodeChecks {
      checks = List.copyOf(checks);
    }
  }
}
