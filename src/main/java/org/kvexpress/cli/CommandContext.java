package org.kvexpress.cli;

import java.util.List;
import org.kvexpress.exec.CommandRunner;
import org.kvexpress.exec.ShellCommandRunner;
import org.kvexpress.kv.ConsulKvStore;
import org.kvexpress.kv.KvStore;
import org.kvexpress.log.Fields;
import org.kvexpress.log.Log;
import org.kvexpress.metrics.Metrics;
import org.kvexpress.metrics.RunMetrics;
import org.kvexpress.ops.Stamp;

/**
 * What a running command gets, and the collaborators the CLI builds for it (a Consul store, a
 * command runner): the environment, its log, the shared options, {@code fields} that describe what
 * it works on (key=…, file=…), which the CLI puts on any error line it logs and on its metrics, and
 * the metrics the command adds to what the CLI reports when it ends.
 */
record CommandContext(
    CliEnvironment env,
    Log log,
    CommonOptions.Common common,
    Fields fields,
    Metrics metrics,
    RunMetrics sinks,
    List<KvStore> stores) {
  /** Opens the store described by the connection options and CONSUL_* variables. */
  KvStore openStore() {
    KvStore store = new ConsulKvStore(CommonOptions.settings(common.connection(), env, log));
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
