package org.kvexpress.cli;

import java.util.ArrayList;
import java.util.List;
import org.kvexpress.exec.CommandRunner;
import org.kvexpress.exec.ShellCommandRunner;
import org.kvexpress.kv.ConsulKvStore;
import org.kvexpress.kv.ConsulSettings;
import org.kvexpress.kv.KvStore;
import org.kvexpress.log.Fields;
import org.kvexpress.log.Log;
import org.kvexpress.metrics.Metrics;
import org.kvexpress.metrics.RunMetrics;
import org.kvexpress.ops.Stamp;

/**
 * What a running command gets, and the collaborators the CLI builds for it (a Consul store, a
 * command runner): the environment, its log, the shared options, what it works on ({@link #about}:
 * the key, and the fields key=…, file=… that the CLI puts on any error line it logs, the key also
 * on its metrics), and the metrics the command adds to what the CLI reports when it ends.
 */
final class CommandContext {
  private final CliEnvironment env;
  private final Log log;
  private final CommonOptions.Common common;
  private final Fields fields = new Fields();
  private final Metrics metrics = new Metrics();
  private final RunMetrics sinks;
  private final List<KvStore> stores = new ArrayList<>();
  private String key;
  private Long bytes;
  private Long lines;

  CommandContext(CliEnvironment env, Log log, CommonOptions.Common common, RunMetrics sinks) {
    this.env = env;
    this.log = log;
    this.common = common;
    this.sinks = sinks;
  }

  /** Says which key (and, for out and raw, which file) the command works on. */
  CommandContext about(String subjectKey, Object file) {
    this.key = subjectKey;
    fields.add("key", subjectKey).add("file", file);
    return this;
  }

  CommandContext about(String subjectKey) {
    return about(subjectKey, null);
  }

  /** Says how many bytes and lines the command published, for the metrics Go kvexpress sent. */
  void published(long publishedBytes, long publishedLines) {
    this.bytes = publishedBytes;
    this.lines = publishedLines;
  }

  /** The bytes published, or null. */
  Long bytes() {
    return bytes;
  }

  /** The lines published, or null. */
  Long lines() {
    return lines;
  }

  /** The key the command works on, or null. */
  String key() {
    return key;
  }

  CliEnvironment env() {
    return env;
  }

  Log log() {
    return log;
  }

  CommonOptions.Common common() {
    return common;
  }

  /** What the command works on, for error lines. */
  Fields fields() {
    return fields;
  }

  /** Metrics the command adds to the run's. */
  Metrics metrics() {
    return metrics;
  }

  /** Where metrics and events go. */
  RunMetrics sinks() {
    return sinks;
  }

  /** Opens the store described by the connection options and CONSUL_* variables. */
  KvStore openStore() {
    return open(common.connection());
  }

  /** Opens a store of the same connection in datacenter {@code dc} (through the same agent). */
  KvStore openStore(String dc) {
    return open(common.connection().in(dc));
  }

  /**
   * A store in datacenter {@code dc} with the token in {@code tokenFile} (a token of that
   * datacenter's own, e.g. a local token), or the usual one when null.
   */
  KvStore openStore(String dc, String tokenFile) {
    return tokenFile == null ? openStore(dc) : open(common.connection().in(dc, tokenFile));
  }

  /** The datacenter of {@code --datacenter}, null when not given. */
  String datacenter() {
    return common.connection() == null ? null : common.connection().datacenter();
  }

  /** The datacenters of {@code --datacenters}, empty when not given. */
  List<String> datacenters() {
    return common.connection() == null ? List.of() : common.connection().datacenters();
  }

  private KvStore open(CommonOptions.Connection connection) {
    ConsulSettings settings = CommonOptions.settings(connection, env, log);
    KvStore store =
        new ConsulKvStore(settings, new LoggedRequests(log, settings.address().display()));
    stores.add(store);
    return store;
  }

  /**
   * The runner of -e and --check commands; with {@code passToken} they inherit the Consul token
   * variables.
   */
  CommandRunner runner(boolean passToken) {
    return new ShellCommandRunner(passToken);
  }

  /** Retries made by every store this command opened. */
  long retries() {
    return stores.stream().mapToLong(KvStore::retries).sum();
  }

  String prefix() {
    return common.prefix();
  }

  /** Who runs the command, for stop and lock values. */
  Stamp stamp() {
    String user =
        env.getenv("USER") != null
            ? env.getenv("USER")
            : env.getenv("LOGNAME") != null
                ? env.getenv("LOGNAME")
                : System.getProperty("user.name", "unknown");
    return new Stamp(user, env.hostname().get(), env.clock());
  }

  /** Prints a plain result line to stdout: what an operator command did. */
  void say(String line) {
    env.out().println(log.scrub(line));
    env.out().flush();
  }
}
