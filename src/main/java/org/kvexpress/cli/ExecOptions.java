package org.kvexpress.cli;

import java.time.Duration;
import java.util.List;
import joptsimple.OptionParser;
import joptsimple.OptionSet;
import joptsimple.OptionSpec;

/**
 * A command kvexpress runs after it wrote ({@code -e}; null when none), how long it may take
 * ({@code --exec-timeout}), and whether it inherits the Consul token variables ({@code
 * --pass-token}).
 */
record ExecOptions(String command, Duration timeout, boolean passToken) {

  /** The three options as {@code in}, {@code out} and {@code raw} declare them alike. */
  static final class Specs {
    private final OptionSpec<String> exec;
    private final OptionSpec<Void> passToken;
    private final OptionSpec<Converters.Span> timeout;

    /**
     * Declares them; {@code execHelp} says when the command runs; {@code withCheck}: the command's
     * {@code --check} shares the timeout and the token rule.
     */
    Specs(OptionParser p, String execHelp, boolean withCheck) {
      exec = p.acceptsAll(List.of("e", "exec"), execHelp).withRequiredArg().describedAs("CMD");
      passToken =
          p.accepts(
              "pass-token",
              "let "
                  + (withCheck ? "-e and --check" : "-e")
                  + " commands inherit CONSUL_HTTP_TOKEN and CONSUL_HTTP_TOKEN_FILE (withheld by"
                  + " default)");
      timeout =
          p.accepts(
                  "exec-timeout",
                  "kill " + (withCheck ? "--check or -e" : "-e") + " after this long")
              .withRequiredArg()
              .withValuesConvertedBy(Converters.DURATION)
              .defaultsTo(Converters.Span.of(Duration.ofSeconds(30)));
    }

    ExecOptions read(OptionSet o) {
      return new ExecOptions(o.valueOf(exec), o.valueOf(timeout).value(), o.has(passToken));
    }
  }
}
