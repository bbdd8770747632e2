package org.kvexpress.docs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import joptsimple.NonOptionArgumentSpec;
import joptsimple.OptionDescriptor;
import joptsimple.OptionParser;
import joptsimple.OptionSpec;
import org.kvexpress.cli.BuildVersion;
import org.kvexpress.cli.Cli;
import org.kvexpress.cli.Command;

/**
 * The man page kvexpress(1) and the bash completion, generated at build time ({@code mvn package})
 * from the very objects {@code --help} prints: the commands' usage lines and summaries and their
 * parsers' options, so the three cannot drift apart; and the gzipped changelog and README the
 * Debian package ships. Run as {@code java -cp kvexpress.jar org.kvexpress.docs.Docs OUT_DIR
 * PROJECT_DIR}.
 */
public final class Docs {
  private Docs() {}

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args.length > 0 ? args[0] : "target/doc");
    Path project = Path.of(args.length > 1 ? args[1] : ".");
    Files.createDirectories(dir);
    String man = manPage();
    Files.writeString(dir.resolve("kvexpress.1"), man, StandardCharsets.UTF_8);
    Files.write(dir.resolve("kvexpress.1.gz"), gzip(man.getBytes(StandardCharsets.UTF_8)));
    Files.writeString(dir.resolve("kvexpress.bash"), bashCompletion(), StandardCharsets.UTF_8);
    String changelog =
        Files.readString(project.resolve("packaging/changelog"), StandardCharsets.UTF_8)
            .replace("@VERSION@", BuildVersion.get());
    Files.write(dir.resolve("changelog.gz"), gzip(changelog.getBytes(StandardCharsets.UTF_8)));
    Files.write(
        dir.resolve("README.md.gz"), gzip(Files.readAllBytes(project.resolve("README.md"))));
    Files.writeString(
        dir.resolve("kvexpress-watch.service"),
        tarballUnit(
            Files.readString(
                project.resolve("packaging/kvexpress-watch.service"), StandardCharsets.UTF_8)),
        StandardCharsets.UTF_8);
  }

  /**
   * The tarball's systemd unit: the package's, with the binary where the tarball's install links it
   * ({@code /usr/local/bin}). One source, so the two never drift.
   */
  static String tarballUnit(String packageUnit) {
    String exec = "ExecStart=/usr/bin/kvexpress ";
    if (!packageUnit.contains(exec)) {
      throw new IllegalStateException("packaging/kvexpress-watch.service has no '" + exec + "'");
    }
    return packageUnit.replace(exec, "ExecStart=/usr/local/bin/kvexpress ");
  }

  /**
   * gzip at the best level without a name or time in its header: the same input makes the same
   * bytes. The header's XFL byte says "maximum compression" (2), as gzip -9 writes it and lintian
   * checks; the JDK leaves it 0 whatever the level.
   */
  static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (OutputStream out =
        new GZIPOutputStream(gz) {
          {
            def.setLevel(Deflater.BEST_COMPRESSION);
          }
        }) {
      out.write(data);
    }
    byte[] bytes = gz.toByteArray();
    bytes[8] = 2;
    return bytes;
  }

  /** Every command with its parser, as {@code kvexpress <command> --help} sees them. */
  static Map<Command<?>, OptionParser> commands() {
    Map<Command<?>, OptionParser> all = new LinkedHashMap<>();
    for (String name : Cli.COMMANDS) {
      Command<?> c = Cli.command(name);
      all.put(c, Cli.parserFor(c));
    }
    return all;
  }

  /**
   * A parser's options, each once, in the order declared (help first, as jopt-simple keeps them).
   */
  static List<OptionDescriptor> options(OptionParser parser) {
    Set<OptionDescriptor> seen = new LinkedHashSet<>();
    for (OptionSpec<?> s : parser.recognizedOptions().values()) {
      if (s instanceof OptionDescriptor d && !(s instanceof NonOptionArgumentSpec)) {
        seen.add(d);
      }
    }
    return new ArrayList<>(seen);
  }

  static String manPage() {
    StringBuilder b = new StringBuilder();
    b.append(".TH KVEXPRESS 1 \"\" \"kvexpress ")
        .append(roff(BuildVersion.get()))
        .append("\" \"User Commands\"\n");
    b.append(".SH NAME\nkvexpress \\- ").append(roff(Cli.TAGLINE)).append('\n');
    b.append(
        ".SH SYNOPSIS\n.B kvexpress\n[\\fB\\-\\-soft\\fR] \\fIcommand\\fR [\\fIoptions\\fR]\n");
    b.append(".SH DESCRIPTION\n\\fBkvexpress\\fR ")
        .append(roff(Cli.TAGLINE))
        .append(
            " Each command is listed below "
                + "with its usage line and its own options, and the options every command shares follow, exactly as "
                + "\\fBkvexpress\\fR \\fIcommand\\fR \\fB\\-\\-help\\fR prints them.\n");
    b.append(".SH COMMANDS\n");
    List<OptionDescriptor> common = options(Cli.sharedOptions(true));
    Set<List<String>> commonNames = new HashSet<>();
    common.forEach(d -> commonNames.add(d.options()));
    for (Map.Entry<Command<?>, OptionParser> e : commands().entrySet()) {
      Command<?> c = e.getKey();
      b.append(".SS ").append(c.name()).append('\n');
      b.append(roff(c.summary()))
          .append(".\n.PP\n.B Usage:\n")
          .append(roff(c.usage()))
          .append('\n');
      for (OptionDescriptor d : options(e.getValue())) {
        if (!commonNames.contains(d.options())) {
          b.append(".TP\n")
              .append(optionNames(d))
              .append('\n')
              .append(roff(describe(d)))
              .append('\n');
        }
      }
    }
    b.append(
        ".SH COMMON OPTIONS\nEvery command takes these; keygen, clean and dev\\-agent do not talk to Consul "
            + "and take only the first few.\n");
    for (OptionDescriptor d : common) {
      b.append(".TP\n").append(optionNames(d)).append('\n').append(roff(describe(d))).append('\n');
    }
    b.append(".SH EXIT STATUS\n");
    for (String line : Cli.EXIT_CODES) {
      b.append(".TP\n")
          .append(roff(line.substring(0, 1)))
          .append('\n')
          .append(roff(line.substring(2)))
          .append('\n');
    }
    b.append(".PP\n").append(roff(Cli.SOFT_HELP)).append('\n');
    b.append(".SH ENVIRONMENT\n");
    for (String[] env : ENVIRONMENT) {
      b.append(".TP\n.B ").append(env[0]).append('\n').append(roff(env[1])).append('\n');
    }
    b.append(
        ".SH FILES\n.TP\n.I /etc/kvexpress/watch.json\nThe files the kvexpress\\-watch service keeps applied "
            + "(\\fBout \\-\\-watch \\-\\-config\\fR).\n");
    b.append(".SH SEE ALSO\n.BR consul (1),\n/usr/share/doc/kvexpress/README.md.gz\n");
    return b.toString();
  }

  static final String[][] ENVIRONMENT = {
    {"CONSUL_HTTP_ADDR", "Consul's HTTP API (default 127.0.0.1:8500); https:// for TLS."},
    {
      "CONSUL_HTTP_TOKEN, CONSUL_HTTP_TOKEN_FILE",
      "the ACL token, or a file holding it; never printed."
    },
    {
      "CONSUL_CACERT, CONSUL_CAPATH, CONSUL_CLIENT_CERT, CONSUL_CLIENT_KEY, CONSUL_HTTP_SSL_VERIFY, "
          + "CONSUL_TLS_SERVER_NAME",
      "TLS settings, as for the consul command."
    },
    {"KVEXPRESS_STATSD_ADDR", "dogstatsd HOST:PORT, as --statsd."},
    {
      "JAVA_HOME, JAVA_OPTS",
      "the Java runtime the launcher starts, and extra JVM options (added last)."
    },
  };

  private static String optionNames(OptionDescriptor d) {
    List<String> names = new ArrayList<>();
    for (String o : d.options()) {
      names.add("\\fB" + roff(Cli.flag(o)) + "\\fR");
    }
    String arg =
        d.acceptsArguments()
            ? " \\fI"
                + roff(d.argumentDescription().isEmpty() ? "VALUE" : d.argumentDescription())
                + "\\fR"
            : "";
    return String.join(", ", names) + arg;
  }

  /** The option's description with its default, as jopt-simple's help shows it. */
  static String describe(OptionDescriptor d) {
    String text = d.description();
    if (!d.defaultValues().isEmpty()) {
      text +=
          " (default: "
              + String.join(", ", d.defaultValues().stream().map(String::valueOf).toList())
              + ")";
    }
    return text;
  }

  /**
   * Escapes text for roff: backslashes, leading dots and quotes, and hyphens (minus signs in
   * options).
   */
  static String roff(String s) {
    String t = s.replace("\\", "\\e").replace("-", "\\-");
    return t.startsWith(".") || t.startsWith("'") ? "\\&" + t : t;
  }

  static String bashCompletion() {
    StringBuilder b = new StringBuilder();
    b.append(
        "# bash completion for kvexpress, generated from its option parsers (org.kvexpress.docs.Docs)\n");
    b.append("_kvexpress() {\n");
    b.append("  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd= w\n");
    b.append("  for w in \"${COMP_WORDS[@]:1:COMP_CWORD-1}\"; do\n");
    b.append("    case $w in -*) ;; *) cmd=$w; break ;; esac\n");
    b.append("  done\n");
    Set<String> fileOptions = new TreeSet<>();
    Set<String> valueOptions = new TreeSet<>();
    StringBuilder cases = new StringBuilder();
    List<String> names = new ArrayList<>();
    for (Map.Entry<Command<?>, OptionParser> e : commands().entrySet()) {
      names.add(e.getKey().name());
      List<String> flags = new ArrayList<>();
      for (OptionDescriptor d : options(e.getValue())) {
        for (String o : d.options()) {
          String flag = Cli.flag(o);
          flags.add(flag);
          String arg = d.argumentDescription().toUpperCase(Locale.ROOT);
          if (d.acceptsArguments()
              && (arg.contains("FILE") || arg.contains("DIR") || arg.contains("PATH"))) {
            fileOptions.add(flag);
          } else if (d.acceptsArguments()) {
            valueOptions.add(flag);
          }
        }
      }
      cases
          .append("    ")
          .append(e.getKey().name())
          .append(") opts=\"")
          .append(String.join(" ", flags))
          .append("\" ;;\n");
    }
    b.append("  case $prev in\n");
    b.append("    ").append(String.join(" | ", fileOptions)).append(")\n");
    b.append("      COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n");
    // After -k, -s, -m, …: a value is typed there, never an option name.
    valueOptions.removeAll(fileOptions);
    b.append("    ").append(String.join(" | ", valueOptions)).append(")\n");
    b.append("      COMPREPLY=(); return ;;\n");
    b.append("  esac\n");
    b.append("  local opts\n");
    b.append("  case $cmd in\n");
    b.append("    \"\") opts=\"")
        .append(String.join(" ", names))
        .append(" --soft --help --version\" ;;\n");
    b.append(cases);
    b.append("    *) return ;;\n");
    b.append("  esac\n");
    b.append("  COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n");
    b.append("}\n");
    b.append("complete -F _kvexpress kvexpress\n");
    return b.toString();
  }
}
