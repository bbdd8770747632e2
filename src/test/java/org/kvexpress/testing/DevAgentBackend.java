package org.kvexpress.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Predicate;
import org.kvexpress.agent.DevAgent;
import org.kvexpress.agent.Fault;
import org.kvexpress.agent.RecordedRequest;

/** The dev agent as a test backend: a new one on a free port for every test. */
public final class DevAgentBackend implements Backend {
  private DevAgent agent;
  private final String token;
  private final ByteArrayOutputStream log = new ByteArrayOutputStream();

  private DevAgentBackend(Backend.Acl acl) throws IOException {
    this.token = acl == null ? null : acl.token();
    DevAgent.Config config =
        DevAgent.Config.defaults().withVerbose(true, new PrintStream(log, true));
    this.agent = new DevAgent(token == null ? config : config.withAclToken(token)).start();
  }

  public static Backend start(Backend.Acl acl) throws IOException {
    return new DevAgentBackend(acl);
  }

  /** The agent itself, for tests of the dev agent's own behaviour. */
  public DevAgent agent() {
    return agent;
  }

  @Override
  public String kind() {
    return "dev agent";
  }

  @Override
  public String address() {
    return agent.address();
  }

  @Override
  public String managementToken() {
    return token;
  }

  @Override
  public List<RecordedRequest> requests() {
    return agent.requests();
  }

  @Override
  public void clearRequests() {
    agent.clearRequests();
  }

  @Override
  public void failWhen(Predicate<RecordedRequest> when, Fault fault, int times) {
    agent.failWhen(when, fault, times);
  }

  @Override
  public void failWhen(
      Predicate<RecordedRequest> when, Fault fault, int times, Runnable meanwhile) {
    agent.failWhen(when, fault, times, meanwhile);
  }

  @Override
  public void setFailRate(double rate) {
    agent.setFailRate(rate);
  }

  @Override
  public String log() {
    synchronized (log) {
      return log.toString(StandardCharsets.UTF_8);
    }
  }

  @Override
  public void restartEmpty() throws IOException {
    int port = agent.port();
    agent.close();
    DevAgent.Config config =
        DevAgent.Config.defaults()
            .withVerbose(true, new PrintStream(log, true))
            .withPort("127.0.0.1", port);
    agent = new DevAgent(token == null ? config : config.withAclToken(token)).start();
  }

  @Override
  public void close() {
    agent.close();
  }
}
