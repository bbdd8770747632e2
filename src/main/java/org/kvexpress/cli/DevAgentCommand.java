package org.kvexpress.cli;

import java.net.BindException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import joptsimple.OptionParser;
import joptsimple.OptionSet;
import joptsimple.OptionSpec;
import org.kvexpress.agent.DevAgent;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Reason;

/** {@code kvexpress dev-agent}: runs the in-memory Consul-compatible agent until interrupted. */
final class DevAgentCommand implements Command<DevAgentCommand.Options> {
  /**
   * Where to listen, with what ACL token, limits and injected failure rate, and where to write the
   * address.
   */
  record Options(
      String host, int port, String aclToken, long maxValueSize, double failRate, String addrFile) {
    /** host:port as given, for messages. */
    String address() {
      return host + ":" + port;
    }
  }

  private OptionSpec<String> httpAddr;
  private OptionSpec<String> aclToken;
  private OptionSpec<Long> maxValueSize;
  private OptionSpec<Double> failRate;
  private OptionSpec<String> addrFile;

  @Override
  public String name() {
    return "dev-agent";
  }

  @Override
  public String usage() {
    return "kvexpress dev-agent [--http-addr 127.0.0.1:8500] [--acl-token T] [--max-value-size BYTES] [--fail-rate P]";
  }

  @Override
  public String summary() {
    return "run an in-memory, Consul-compatible KV agent for laptops and tests (not Consul, not for production)";
  }

  @Override
  public boolean talksToConsul() {
    return false;
  }

  @Override
  public void declare(OptionParser p) {
    httpAddr =
        p.accepts("http-addr", "address to listen on; port 0 picks a free port")
            .withRequiredArg()
            .describedAs("HOST:PORT")
            .defaultsTo("127.0.0.1:8500");
    aclToken =
        p.accepts("acl-token", "enable ACLs: this token may do everything, any other gets 403")
            .withRequiredArg()
            .describedAs("TOKEN");
    maxValueSize =
        p.accepts("max-value-size", "largest value accepted (Consul's kv_max_value_size)")
            .withRequiredArg()
            .ofType(Long.class)
            .defaultsTo(DevAgent.DEFAULT_MAX_VALUE_SIZE);
    failRate =
        p.accepts(
                "fail-rate", "answer this fraction of requests with a 500 or a dropped connection")
            .withRequiredArg()
            .ofType(Double.class)
            .defaultsTo(0.0);
    addrFile =
        p.accepts("addr-file", "write HOST:PORT to FILE once listening (for scripts using port 0)")
            .withRequiredArg()
            .describedAs("FILE");
  }

  @Override
  public Options options(OptionSet o) {
    String addr = o.valueOf(httpAddr);
    int colon = addr.lastIndexOf(':');
    int port;
    try {
      port = Integer.parseInt(addr.substring(colon + 1));
    } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
      throw KvexpressException.usage("--http-addr must be HOST:PORT, not \"" + addr + "\"");
    }
    double rate = o.valueOf(failRate);
    if (rate < 0 || rate > 1) {
      throw KvexpressException.usage("--fail-rate must be between 0 and 1, not " + rate);
    }
    if (o.valueOf(maxValueSize) <= 0) {
      throw KvexpressException.usage("--max-value-size must be positive");
    }
    return new Options(
        colon > 0 ? addr.substring(0, colon) : "127.0.0.1",
        port,
        o.valueOf(aclToken),
        o.valueOf(maxValueSize),
        rate,
        o.valueOf(addrFile));
  }

  @Override
  public Outcome run(Options o, CommandContext ctx) throws Exception {
    DevAgent.Config config =
        DevAgent.Config.defaults()
            .withPort(o.host(), o.port())
            .withAclToken(o.aclToken())
            .withMaxValueSize(o.maxValueSize())
            .withFailRate(o.failRate())
            .withRecordLimit(
                0) // requests are recorded for tests only; a long-running agent must not grow
            .withVerbose(ctx.common().verbose(), ctx.env().err());
    // This command owns its process: it may set what the JDK's HTTP server reads process-wide.
    DevAgent.serveWithoutDelay();
    DevAgent agent = new DevAgent(config);
    try {
      agent.start();
    } catch (BindException e) {
      // "Address already in use" and "Cannot assign requested address" are the two the kernel
      // says; the second is an address this machine does not have.
      boolean inUse = String.valueOf(e.getMessage()).contains("in use");
      throw KvexpressException.because(
          Reason.BIND,
          "cannot listen on "
              + o.address()
              + (inUse
                  ? ": address in use; pick another --http-addr"
                  : ": this machine has no such address ("
                      + String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT)
                      + "); use one of its own, such as 127.0.0.1"));
    }
    CountDownLatch stopped = new CountDownLatch(1);
    ctx.env()
        .termination()
        .onTerminate(
            signal -> {
              agent.close();
              stopped.countDown();
            });
    if (o.addrFile() != null) {
      Path target = Path.of(o.addrFile());
      Path tmp = Files.createTempFile(target.toAbsolutePath().getParent(), ".addr", ".tmp");
      Files.writeString(tmp, agent.address() + "\n");
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
    ctx.env()
        .out()
        .println(
            "kvexpress dev agent listening on "
                + agent.url()
                + " (in memory, one node: not Consul, not for production)"
                + (config.aclToken() != null ? "; ACLs enabled" : ""));
    ctx.env().out().flush();
    stopped.await();
    return Outcome.OK;
  }
}
