package org.kvexpress.testing;

import com.google.gson.Gson;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import org.kvexpress.agent.Fault;
import org.kvexpress.agent.RecordedRequest;

/**
 * Real Consul as a test backend. One agent per suite run (two: one without ACLs and one with ACLs
 * enforced, each started on first use) is shared by every test; each test gets a fresh proxy in
 * front of it, and starts on an empty KV store: the tests run one at a time, so wiping the store is
 * the cheapest isolation that leaves every key name the tests and the README use unchanged.
 */
public final class ConsulBackend implements Backend {
  private static ConsulAgent plain;
  private static ConsulAgent secured;
  private static final String MASTER_TOKEN = UUID.randomUUID().toString();

  private final ConsulAgent agent;
  private final FaultProxy proxy;
  private final String token;
  private final String tokenAccessor;
  private final long logOffset;

  private ConsulBackend(ConsulAgent agent, String token) throws IOException {
    this.agent = agent;
    this.token = token;
    wipe();
    this.tokenAccessor = token == null ? null : createManagementToken(token);
    this.logOffset = Files.size(agent.log());
    this.proxy = new FaultProxy(agent.address()).start();
  }

  public static Backend start(Backend.Acl acl) throws IOException {
    return new ConsulBackend(
        acl == null ? plainAgent() : securedAgent(), acl == null ? null : acl.token());
  }

  /** The shared agent without ACLs, started on first use. */
  public static synchronized ConsulAgent plainAgent() throws IOException {
    if (plain == null || !plain.running()) {
      plain = ConsulAgent.sharedDev("consul").start();
      plain.awaitLeader(Duration.ofSeconds(30));
    }
    return plain;
  }

  /** The shared agent with ACLs enforced (default deny), started on first use. */
  public static synchronized ConsulAgent securedAgent() throws IOException {
    if (secured == null || !secured.running()) {
      // Consul 1.11 renamed acl.tokens.master to initial_management.
      String name = ConsulBinary.atLeast(1, 11) ? "initial_management" : "master";
      secured =
          ConsulAgent.sharedDev("consul-acl")
              .withConfig(
                  "\"acl\": {\"enabled\": true, \"default_policy\": \"deny\", \"tokens\": {\""
                      + name
                      + "\": \""
                      + MASTER_TOKEN
                      + "\"}}")
              .start();
      secured.awaitLeader(Duration.ofSeconds(30));
    }
    return secured;
  }

  /**
   * The master token of the secured agent, for tests that create their own least-privilege tokens.
   */
  public static String masterToken() {
    return MASTER_TOKEN;
  }

  /** The agent itself, bypassing the proxy. */
  public ConsulAgent agent() {
    return agent;
  }

  @Override
  public String kind() {
    return "consul " + ConsulBinary.version();
  }

  @Override
  public String address() {
    return proxy.address();
  }

  @Override
  public String managementToken() {
    return token;
  }

  @Override
  public List<RecordedRequest> requests() {
    return proxy.faults().requests();
  }

  @Override
  public void clearRequests() {
    proxy.faults().clearRequests();
  }

  @Override
  public void failWhen(Predicate<RecordedRequest> when, Fault fault, int times) {
    proxy.faults().failWhen(when, fault, times);
  }

  @Override
  public void failWhen(
      Predicate<RecordedRequest> when, Fault fault, int times, Runnable meanwhile) {
    proxy.faults().failWhen(when, fault, times, meanwhile);
  }

  @Override
  public void setFailRate(double rate) {
    proxy.faults().setFailRate(rate);
  }

  @Override
  public String log() {
    try {
      byte[] all = Files.readAllBytes(agent.log());
      int from = (int) Math.min(logOffset, all.length);
      return new String(all, from, all.length - from, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void restartEmpty() throws IOException {
    if (token != null) {
      throw new UnsupportedOperationException("restartEmpty is for the agent without ACLs");
    }
    agent.kill();
    agent.start();
    agent.awaitLeader(Duration.ofSeconds(30));
  }

  @Override
  public void close() {
    proxy.close();
    if (tokenAccessor != null) {
      Http.delete(agent.url("/v1/acl/token/" + tokenAccessor), "X-Consul-Token", MASTER_TOKEN);
    }
  }

  private void wipe() {
    HttpResponse<String> r =
        agent == secured
            ? Http.delete(agent.url("/v1/kv/?recurse"), "X-Consul-Token", MASTER_TOKEN)
            : Http.delete(agent.url("/v1/kv/?recurse"));
    if (r.statusCode() != 200) {
      throw new IllegalStateException(
          "cannot empty the test Consul's KV store: " + r.statusCode() + " " + r.body());
    }
  }

  /**
   * Creates a token with this secret and the built-in global-management policy; returns its
   * accessor.
   */
  private String createManagementToken(String secret) {
    HttpResponse<String> r =
        Http.put(
            agent.url("/v1/acl/token"),
            "{\"SecretID\": \""
                + secret
                + "\", \"Description\": \"kvexpress test\", "
                + "\"Policies\": [{\"ID\": \"00000000-0000-0000-0000-000000000001\"}]}",
            "X-Consul-Token",
            MASTER_TOKEN);
    if (r.statusCode() != 200) {
      throw new IllegalStateException(
          "cannot create the test's token: " + r.statusCode() + " " + r.body());
    }
    return JsonParser.parseString(r.body()).getAsJsonObject().get("AccessorID").getAsString();
  }

  /** Creates a token with these rules (HCL) on the shared secured agent; returns its secret. */
  public static String createToken(String rulesHcl) {
    return createToken(secured, MASTER_TOKEN, rulesHcl);
  }

  /**
   * Creates a policy with these rules (HCL) and a token with just that policy; returns the token's
   * secret.
   */
  public static String createToken(ConsulAgent agent, String adminToken, String rulesHcl) {
    String policyName = "kvexpress-test-" + UUID.randomUUID();
    HttpResponse<String> p =
        Http.put(
            agent.url("/v1/acl/policy"),
            "{\"Name\": \"" + policyName + "\", \"Rules\": " + new Gson().toJson(rulesHcl) + "}",
            "X-Consul-Token",
            adminToken);
    if (p.statusCode() != 200) {
      throw new IllegalStateException("cannot create policy: " + p.statusCode() + " " + p.body());
    }
    HttpResponse<String> t =
        Http.put(
            agent.url("/v1/acl/token"),
            "{\"Policies\": [{\"Name\": \"" + policyName + "\"}]}",
            "X-Consul-Token",
            adminToken);
    if (t.statusCode() != 200) {
      throw new IllegalStateException("cannot create token: " + t.statusCode() + " " + t.body());
    }
    return JsonParser.parseString(t.body()).getAsJsonObject().get("SecretID").getAsString();
  }
}
