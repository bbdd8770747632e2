package org.kvexpress.kv;

import java.time.Duration;

/**
 * Everything needed to reach Consul: address, token, TLS, datacenter and how long to keep retrying.
 */
public record ConsulSettings(
    ConsulAddress address, Token token, TlsSettings tls, String datacenter, Duration retryFor) {

  /** Connect timeout for every request. */
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /** Read timeout of plain (non-blocking) calls. */
  public static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

  /** The default retry budget of one command. */
  public static final Duration DEFAULT_RETRY_FOR = Duration.ofSeconds(20);

  /**
   * Read timeout for a blocking query: above Consul's wait plus its jitter (wait/16) plus a margin.
   */
  public static Duration blockingReadTimeout(Duration wait) {
    return wait.plus(wait.dividedBy(16)).plusSeconds(15);
  }
}
