package org.kvexpress.cli;

import org.kvexpress.kv.ConsulKvStore;
import org.kvexpress.kv.KvStore;
import org.kvexpress.log.Log;

/** What a running command gets: the environment, its log, and the shared options. */
record CommandContext(CliEnvironment env, Log log, CommonOptions.Common common) {
  /** Opens the store described by the connection options and CONSUL_* variables. */
  KvStore openStore() {
    return new ConsulKvStore(CommonOptions.settings(common.connection(), env, log));
  }

  String prefix() {
    return common.prefix();
  }
}
