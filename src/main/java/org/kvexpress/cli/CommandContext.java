package org.kvexpress.cli;

import org.kvexpress.kv.ConsulKvStore;
import org.kvexpress.kv.KvStore;
import org.kvexpress.log.Fields;
import org.kvexpress.log.Log;

/**
 * What a running command gets: the environment, its log, the shared options, and {@code fields} that
 * describe what it works on (key=…, file=…), which the CLI puts on any error line it logs.
 */
record CommandContext(CliEnvironment env, Log log, CommonOptions.Common common, Fields fields) {
  /** Opens the store described by the connection options and CONSUL_* variables. */
  KvStore openStore() {
    return new ConsulKvStore(CommonOptions.settings(common.connection(), env, log));
  }

  String prefix() {
    return common.prefix();
  }
}
