package org.kvexpress.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Problems;
import org.kvexpress.core.Result;
import org.kvexpress.log.Fields;
import org.kvexpress.log.Log;

/**
 * {@code --datacenters dc1,dc2,…}: the command once per datacenter, one after the other in the
 * order given, each through the local agent with {@code ?dc=} (Consul forwards it over the WAN) and
 * each with its own guarded transaction, log line and outcome. A datacenter that fails (unreachable
 * included) does not stop the others; the summary line names each datacenter's result and those
 * left behind, and the exit code is the worst of them (1, then 4, then 3). {@code in} reads its
 * standard input once and publishes the same bytes everywhere; with -f or -u, stdin is not read.
 */
final class EveryDatacenter {
  /** The commands that change a key and take {@code --datacenters} this way. */
  static final Set<String> COMMANDS =
      Set.of("in", "copy", "rollback", "stop", "resume", "promote", "discard");

  private final CliEnvironment env;
  private final CommonOptions.Common common;

  EveryDatacenter(CliEnvironment env, CommonOptions.Common common) {
    this.env = env;
    this.common = common;
  }

  /**
   * Runs {@code command} in each datacenter; with {@code readsStdin} ({@code in} without -f or -u)
   * its standard input is read once, unless it is a terminal (each run then says there is no
   * input).
   */
  int run(
      String command,
      List<String> args,
      List<String> datacenters,
      boolean soft,
      boolean readsStdin) {
    byte[] input;
    try {
      input = readsStdin && !env.stdinIsTerminal() ? env.in().readAllBytes() : new byte[0];
    } catch (IOException e) {
      env.err().println("kvexpress: cannot read standard input: " + Problems.describe(e));
      return ExitCode.FAILURE.code();
    }
    List<String> results = new ArrayList<>();
    List<String> behind = new ArrayList<>();
    int worst = ExitCode.OK.code();
    for (String dc : datacenters) {
      Cli one =
          new Cli(
              new CliEnvironment(
                  new ByteArrayInputStream(input),
                  env.out(),
                  env.err(),
                  env.env(),
                  env.clock(),
                  env.hostname(),
                  env.stdinIsTerminal(),
                  env.termination()));
      int code = one.run(argv(command, args, dc, soft));
      Outcome o = one.lastOutcome();
      results.add(dc + ":" + word(o));
      if (o == null || o.result().notDone()) {
        behind.add(dc);
      }
      worst = worse(worst, code);
    }
    Log log =
        new Log(
            env.err(),
            env.clock(),
            common.quiet() ? Log.Level.ERROR : Log.Level.INFO,
            common.logFormat());
    Fields summary =
        Fields.of("datacenters", String.join(",", results))
            .add("behind", behind.isEmpty() ? null : String.join(",", behind))
            .add("exit", worst);
    if (behind.isEmpty()) {
      log.info(command, summary);
    } else {
      log.error(command, summary);
    }
    return worst;
  }

  /** What happened in one datacenter, in one word. */
  private static String word(Outcome o) {
    if (o == null) {
      return Result.FAILED.word();
    }
    if (o.reason() != null && o.reason().noAnswer()) {
      return "unreachable";
    }
    return o.reason() == null ? o.result().word() : o.result().word() + "(" + o.reason() + ")";
  }

  /** The command line for one datacenter: --datacenters replaced by --datacenter DC. */
  private static String[] argv(String command, List<String> args, String dc, boolean soft) {
    List<String> out = new ArrayList<>();
    if (soft) {
      out.add("--soft");
    }
    out.add(command);
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--datacenters")) {
        i++;
      } else if (!a.startsWith("--datacenters=")) {
        out.add(a);
      }
    }
    out.add("--datacenter");
    out.add(dc);
    return out.toArray(new String[0]);
  }

  /** The worse of two exit codes: a failure, then a halt, then a refusal, then success. */
  static int worse(int a, int b) {
    return rank(b) > rank(a) ? b : a;
  }

  private static int rank(int code) {
    return switch (code) {
      case 0 -> 0;
      case 3 -> 1;
      case 4 -> 2;
      case 2 -> 3;
      default -> 4;
    };
  }

  static KvexpressException notHere(String command) {
    return KvexpressException.usage(
        "--datacenters works with in, copy, rollback, stop, resume, promote, discard and status,"
            + " not "
            + command
            + "; use --datacenter DC");
  }
}
