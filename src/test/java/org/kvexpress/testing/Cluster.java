package org.kvexpress.testing;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.apache.commons.io.FileUtils;

/**
 * A real Consul cluster on loopback: servers (one leader among them after the election) and client
 * agents, each its own process with its own ports, data directory and node name. Closing it stops
 * every agent by its PID and removes the directory.
 */
public final class Cluster implements AutoCloseable {
  private final Path dir;
  private final List<ConsulAgent> servers = new ArrayList<>();
  private final List<ConsulAgent> clients = new ArrayList<>();

  private Cluster(Path dir) {
    this.dir = dir;
  }

  /**
   * Starts {@code servers} servers and {@code clients} client agents and waits until every one
   * knows a leader.
   */
  public static Cluster start(int servers, int clients) throws IOException {
    return start(servers, clients, i -> "");
  }

  /**
   * {@link #start(int, int)}, client {@code i} (from 1) with more configuration {@code
   * clientConfig.apply(i)} (JSON object members, as {@link ConsulAgent#withConfig}).
   */
  public static Cluster start(int servers, int clients, IntFunction<String> clientConfig)
      throws IOException {
    Cluster c = new Cluster(Files.createTempDirectory("kvexpress-cluster-"));
    try {
      for (int i = 1; i <= servers; i++) {
        c.servers.add(ConsulAgent.server("server-" + i, c.dir.resolve("server-" + i), servers));
      }
      for (ConsulAgent s : c.servers) {
        s.joining(c.servers).start();
      }
      for (int i = 1; i <= clients; i++) {
        c.clients.add(
            ConsulAgent.client("client-" + i, c.dir.resolve("client-" + i))
                .withConfig(clientConfig.apply(i))
                .joining(c.servers)
                .start());
      }
      c.awaitLeader(Duration.ofSeconds(60));
      return c;
    } catch (IOException | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  public List<ConsulAgent> servers() {
    return servers;
  }

  public List<ConsulAgent> clients() {
    return clients;
  }

  public List<ConsulAgent> all() {
    List<ConsulAgent> all = new ArrayList<>(servers);
    all.addAll(clients);
    return all;
  }

  /** Waits until every running agent knows a leader and answers KV reads. */
  public void awaitLeader(Duration within) {
    for (ConsulAgent a : all()) {
      if (a.running()) {
        a.awaitLeader(within);
      }
    }
  }

  /** The server that leads now, or null when none does (or none answers). */
  public ConsulAgent leader() {
    for (ConsulAgent s : servers) {
      if (!s.running()) {
        continue;
      }
      HttpResponse<String> r = Http.tryGet(s.url("/v1/status/leader"));
      if (r != null && r.statusCode() == 200) {
        String addr = r.body().strip().replace("\"", "");
        for (ConsulAgent candidate : servers) {
          if (candidate.rpcAddress().equals(addr)) {
            return candidate;
          }
        }
      }
    }
    return null;
  }

  @Override
  public void close() {
    ConsulAgent.stopAll(all());
    FileUtils.deleteQuietly(dir.toFile());
  }
}
