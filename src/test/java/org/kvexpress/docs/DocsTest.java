package org.kvexpress.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import joptsimple.OptionDescriptor;
import joptsimple.OptionParser;
import org.junit.jupiter.api.Test;
import org.kvexpress.cli.Command;

/**
 * The man page and the completion are made from the parsers themselves: every command and option is
 * in them.
 */
class DocsTest {
  @Test
  void everyCommandAndOptionIsInTheManPageAndTheCompletion() {
    String man = Docs.manPage();
    String bash = Docs.bashCompletion();
    for (Map.Entry<Command<?>, OptionParser> e : Docs.commands().entrySet()) {
      assertThat(man)
          .contains(".SS " + e.getKey().name() + "\n")
          .contains(Docs.roff(e.getKey().usage()));
      assertThat(bash).contains("    " + e.getKey().name() + ") opts=\"");
      for (OptionDescriptor d : Docs.options(e.getValue())) {
        assertThat(man).as(d.options().toString()).contains(Docs.roff(Docs.describe(d)));
        for (String o : d.options()) {
          assertThat(bash).contains((o.length() == 1 ? "-" : "--") + o);
        }
      }
    }
    assertThat(bash).contains("--sign-key").contains("--trust-key").contains("compgen -f");
    assertThat(Docs.commands().keySet())
        .extracting(Command::name)
        .contains("in", "out", "promote", "discard", "keygen", "dev-agent");
  }

  @Test
  void gzipSaysMaximumCompressionAndIsReproducible() throws Exception {
    byte[] a = Docs.gzip("x".repeat(1000).getBytes());
    assertThat(a[8]).isEqualTo((byte) 2);
    assertThat(Docs.gzip("x".repeat(1000).getBytes())).isEqualTo(a);
  }
}
