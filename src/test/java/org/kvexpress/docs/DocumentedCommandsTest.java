package org.kvexpress.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.kvexpress.cli.Cli;
import org.kvexpress.cli.CliEnvironment;

/**
 * Every kvexpress command line the documents show (README.md, docs/, the examples' and templates'
 * READMEs; in code blocks and in inline code) is one kvexpress accepts: the parser takes it, with
 * every value converted and every cross-flag rule checked. The ACL policies are checked verbatim
 * against the files AclIT runs on real Consul; this is the same idea for commands.
 */
class DocumentedCommandsTest {
  private static final Pattern FENCE = Pattern.compile("(?s)```(?:sh|bash|text)?\\n(.*?)```");
  private static final Pattern INLINE = Pattern.compile("`(kvexpress [^`]+)`");

  /**
   * Inline code that starts with a command and an option ({@code `stop -k KEY --for 2h`}): a
   * fragment, which may leave out required options but must name real ones with valid values.
   */
  private static final Pattern FRAGMENT = Pattern.compile("`((?:[a-z][a-z-]*) --?[a-zA-Z][^`]*)`");

  private static final Pattern INVOCATION =
      Pattern.compile(
          "(?:^|[\\s(|;&$])kvexpress\\s+((?:--soft\\s+)?[a-z][a-z-]*(?:\\s[^|<>;#)&]*)?)");

  /** Placeholders the documents write in capitals, with a value of their kind. */
  private static final Map<String, String> PLACEHOLDERS =
      Map.ofEntries(
          Map.entry("KEY", "hosts"),
          Map.entry("NEWKEY", "hosts-copy"),
          Map.entry("FULL/KEY", "app/config"),
          Map.entry("FILE", "/tmp/kvx-doc-file"),
          Map.entry("DIR", "/tmp/kvx-doc-dir"),
          Map.entry("URL", "https://example.org/hosts"),
          Map.entry("DURATION", "2h"),
          Map.entry("REASON", "maintenance"),
          Map.entry("N", "10"),
          Map.entry("NAME", "release"),
          Map.entry("PERCENT", "20"),
          Map.entry("CMD", "true"),
          Map.entry("DC", "dc1"),
          Map.entry("HOST:PORT", "127.0.0.1:8125"),
          Map.entry("T", "token"),
          Map.entry("BYTES", "1000"),
          Map.entry("P", "0.1"));

  private static List<Path> documents() throws IOException {
    Path root = Path.of("").toAbsolutePath();
    List<Path> docs = new ArrayList<>(List.of(root.resolve("README.md")));
    for (String dir : List.of("docs", "examples", "templates")) {
      try (Stream<Path> s = Files.walk(root.resolve(dir))) {
        s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
      }
    }
    return docs;
  }

  /**
   * The kvexpress invocations in a piece of shell or prose, up to a pipe, redirection or comment.
   */
  static List<String> invocations(String text) {
    List<String> out = new ArrayList<>();
    // A shell line continued with a backslash is one command.
    for (String line : text.replaceAll("\\\\\n\\s*", " ").split("\n")) {
      Matcher m = INVOCATION.matcher(line);
      while (m.find()) {
        out.add(m.group(1).strip());
      }
    }
    return out;
  }

  /** Shell words, honouring '…' and "…". */
  static List<String> words(String command) {
    List<String> words = new ArrayList<>();
    StringBuilder w = new StringBuilder();
    char quote = 0;
    boolean any = false;
    for (char c : command.toCharArray()) {
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          w.append(c);
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        any = true;
      } else if (Character.isWhitespace(c)) {
        if (w.length() > 0 || any) {
          words.add(w.toString());
          w.setLength(0);
          any = false;
        }
      } else {
        w.append(c);
      }
    }
    if (w.length() > 0 || any) {
      words.add(w.toString());
    }
    return words;
  }

  /**
   * Whether a shown command is a synopsis (alternatives, optional parts, elisions), not a line to
   * run.
   */
  private static boolean synopsis(String command) {
    return command.contains("[")
        || command.contains("…")
        || command.contains("...")
        || command.contains(" | ")
        || command.contains("\\|");
  }

  @Test
  void everyCommandTheDocumentsShowParses() throws IOException {
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
    Cli cli =
        new Cli(
            new CliEnvironment(
                new ByteArrayInputStream(new byte[0]),
                quiet,
                quiet,
                Map.of(),
                Clock.systemUTC(),
                () -> "doc-node",
                false));
    List<String> problems = new ArrayList<>();
    int checked = 0;
    for (Path doc : documents()) {
      String text = Files.readString(doc);
      List<String> shown = new ArrayList<>();
      Matcher fence = FENCE.matcher(text);
      while (fence.find()) {
        shown.addAll(invocations(fence.group(1)));
      }
      Matcher inline = INLINE.matcher(text);
      while (inline.find()) {
        shown.addAll(invocations(inline.group(1)));
      }
      List<String> fragments = new ArrayList<>();
      Matcher fragment = FRAGMENT.matcher(text);
      while (fragment.find()) {
        // "-S/--sorted" writes a flag's two names, not a command line.
        if (Cli.command(fragment.group(1).split(" ")[0]) != null
            && !fragment.group(1).matches(".* -[a-zA-Z]/--.*")) {
          fragments.add(fragment.group(1));
        }
      }
      List<String> all = new ArrayList<>(shown);
      all.addAll(fragments);
      for (String command : all) {
        boolean isFragment = all.indexOf(command) >= shown.size();
        if (synopsis(command) || command.contains(" -C ") || command.contains("$(")) {
          continue; // -C reads a YAML file; $(…) needs a shell
        }
        List<String> argv = new ArrayList<>();
        for (String w : words(command)) {
          argv.add(PLACEHOLDERS.getOrDefault(w, w));
        }
        String name = argv.size() > 2 && argv.get(0).equals("--soft") ? argv.get(1) : argv.get(0);
        if (argv.size() < 2 || Cli.command(name) == null) {
          continue; // "`kvexpress in` reads …", "kvexpress moves …": a name, not a command line
        }
        checked++;
        String error = cli.usageError(argv.toArray(new String[0]));
        // A fragment names a flag in prose ("`in --sign-key`"): it may lack required options and
        // the
        // flag's own value, never be wrong.
        boolean incomplete =
            error != null
                && (error.startsWith("missing required option") || error.endsWith("needs a value"));
        if (error != null && !(isFragment && incomplete)) {
          problems.add(
              Path.of("").toAbsolutePath().relativize(doc)
                  + ": kvexpress "
                  + command
                  + " -> "
                  + error);
        }
      }
    }
    System.out.println("documented command lines checked: " + checked);
    assertThat(problems).isEmpty();
    assertThat(checked).as("commands found in the documents").isGreaterThan(90);
  }
}
