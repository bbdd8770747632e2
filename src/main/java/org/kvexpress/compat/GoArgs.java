package org.kvexpress.compat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.kvexpress.core.KvexpressException;

/**
 * Go kvexpress's command lines, translated into this tool's before parsing, so that a watch handler
 * or a consul-template hook written for the Go binary keeps working unchanged (README "Coming from
 * Go kvexpress"). Pure: argv in, argv out.
 *
 * <p>What it does: Go's boolean flags take {@code -d}, {@code -d=true} and the {@code -d true} that
 * Go users wrote (Go ignored the stray word); {@code -c/--chmod} is an integer as Go parsed it
 * (leading 0 octal, 0x hex, else decimal, so 416 is 0640); {@code --sorted=false} means {@code
 * --verbatim}; {@code --ignore_stop}, {@code --keyfrom}, {@code --keyto} are renamed; {@code -d/-D}
 * become {@code --statsd} with Datadog events; {@code -C FILE} names a Go YAML config; Go's global
 * flags that a command has no use for ({@code -e} on stop, {@code -z} on out, …) are accepted and
 * dropped, as Go ignored them.
 */
public final class GoArgs {
  /** Go's default dogstatsd address. */
  public static final String DEFAULT_DOGSTATSD = "localhost:8125";

  /** Go's flags that take no value, by every name they had. */
  private static final Set<String> BOOLEANS =
      Set.of("d", "dogstatsd", "z", "compress", "S", "sorted", "ignore_stop", "verbose");

  /** Go's global flags that take a value. */
  private static final Set<String> VALUED =
      Set.of(
          "C",
          "config",
          "s",
          "server",
          "t",
          "token",
          "p",
          "prefix",
          "e",
          "exec",
          "l",
          "length",
          "c",
          "chmod",
          "D",
          "dogstatsd_address",
          "o",
          "owner",
          "a",
          "datadog_api_key",
          "A",
          "datadog_app_key");

  private static final Map<String, String> RENAMED =
      Map.of("ignore_stop", "ignore-stop", "keyfrom", "from", "keyto", "to");

  /** The translated argv and what the translation found. */
  public record Result(
      List<String> args,
      String goConfig,
      boolean dogstatsd,
      String dogstatsdAddress,
      boolean datadogKeys) {}

  private GoArgs() {}

  /**
   * Translates {@code args} for a command whose parser recognizes the option names {@code
   * recognized}. {@code watchConfig} says whether {@code --config} is this command's own JSON watch
   * configuration ({@code out --watch}), in which case only {@code -C} names a Go config.
   */
  public static Result translate(List<String> args, Set<String> recognized, boolean watchConfig) {
    List<String> out = new ArrayList<>();
    String goConfig = null;
    boolean dogstatsd = false;
    String address = null;
    boolean keys = false;
    boolean sorted = false;
    String chmod = null;
    for (int i = 0; i < args.size(); i++) {
      String token = args.get(i);
      if (token.equals("--")) {
        out.addAll(args.subList(i, args.size()));
        break;
      }
      Flag f = Flag.parse(token);
      if (f == null
          || !BOOLEANS.contains(f.name)
              && !VALUED.contains(f.name)
              && !RENAMED.containsKey(f.name)) {
        out.add(token);
        continue;
      }
      if (BOOLEANS.contains(f.name)) {
        boolean value = f.value == null || parseBool(token, f.value);
        if (f.value == null && i + 1 < args.size() && isBoolWord(args.get(i + 1))) {
          i++; // Go's "-d true": the word was a stray argument Go ignored; the flag alone set it
        }
        switch (f.name) {
          case "d", "dogstatsd" -> dogstatsd |= value;
          case "S", "sorted" -> {
            sorted |= value;
            if (!value) {
              out.add("--verbatim");
            }
          }
          case "z", "compress" -> {
            if (value && recognized.contains("compress")) {
              out.add("--compress");
            }
          }
          case "ignore_stop" -> {
            if (value) {
              out.add("--ignore-stop");
            }
          }
          default -> {
            if (value) {
              out.add("--" + f.name);
            }
          }
        }
        continue;
      }
      String value = f.value;
      if (value == null) {
        if (i + 1 >= args.size()) {
          out.add(token); // let the parser say the value is missing
          continue;
        }
        value = args.get(++i);
      }
      switch (f.name) {
        case "keyfrom", "keyto" -> out.addAll(List.of("--" + RENAMED.get(f.name), value));
        case "C" -> goConfig = value;
        case "config" -> {
          if (watchConfig) {
            out.addAll(List.of("--config", value));
          } else {
            goConfig = value;
          }
        }
        case "D", "dogstatsd_address" -> address = value;
        case "a", "A", "datadog_api_key", "datadog_app_key" -> keys = true;
        case "c", "chmod" -> {
          chmod = token;
          int mode = goMode(value);
          if (recognized.contains("mode")) {
            out.addAll(List.of("--mode", String.format("%04o", mode)));
          }
        }
        default -> {
          if (recognized.contains(f.name)) {
            out.addAll(List.of(f.dashes + f.name, value));
          }
        }
      }
    }
    if (sorted && recognized.contains("verbatim") && has(out, "verbatim")) {
      throw KvexpressException.usage(
          "--sorted (sort the lines) and --verbatim (keep them as they are) contradict each other;"
              + " keep one");
    }
    if (chmod != null && has(args, "m", "mode")) {
      throw KvexpressException.usage(
          "-m and Go's " + chmod + " both set the file mode; keep one (-m 0644)");
    }
    return new Result(out, goConfig, dogstatsd, address, keys);
  }

  /** Whether {@code args} give the option named {@code names} (in any of its forms). */
  private static boolean has(List<String> args, String... names) {
    for (String a : args) {
      if (a.equals("--")) {
        return false;
      }
      Flag f = Flag.parse(a);
      if (f != null && List.of(names).contains(f.name)) {
        return true;
      }
      for (String n : names) {
        if (n.length() == 1 && a.startsWith("-" + n) && !a.startsWith("--")) {
          return true; // -m0644: an attached value
        }
      }
    }
    return false;
  }

  /**
   * A file mode given the way Go's {@code -c/--chmod} int flag parsed it: a leading {@code 0} means
   * octal, {@code 0x} hex, otherwise decimal (Go's help said "default 416", which is 0640). Only
   * permission bits are accepted; {@code 644} (decimal 0o1204) is refused with the octal it surely
   * meant.
   */
  static int goMode(String text) {
    String t = text.strip();
    long v;
    try {
      if (t.startsWith("0x") || t.startsWith("0X")) {
        v = Long.parseLong(t.substring(2), 16);
      } else if (t.length() > 1 && t.startsWith("0")) {
        v = Long.parseLong(t.substring(1), 8);
      } else {
        v = Long.parseLong(t);
      }
    } catch (NumberFormatException e) {
      throw KvexpressException.usage(
          "-c/--chmod takes a number as Go kvexpress did (0644 octal, 420 decimal), not \""
              + text
              + "\"");
    }
    if (v < 0 || v > 0777) {
      String hint =
          t.matches("[0-7]{3,4}") ? "; did you mean 0" + t.replaceFirst("^0", "") + "?" : "";
      throw KvexpressException.usage(
          "-c/--chmod "
              + text
              + " is not a permission set (Go kvexpress read it as "
              + "decimal "
              + v
              + ")"
              + hint
              + " (or use -m, which is octal)");
    }
    return (int) v;
  }

  private static boolean isBoolWord(String s) {
    return s.equals("true") || s.equals("false");
  }

  /** Go's strconv.ParseBool, which Go's flag package uses for {@code -d=VALUE}. */
  private static boolean parseBool(String token, String v) {
    Boolean b = parseBool(v);
    if (b == null) {
      throw KvexpressException.usage(
          "invalid boolean \"" + v + "\" in " + token + "; use true or false");
    }
    return b;
  }

  /** One option token: its dashes, name and a value given with {@code =}. */
  private record Flag(String dashes, String name, String value) {
    static Flag parse(String token) {
      if (!token.startsWith("-") || token.equals("-")) {
        return null;
      }
      String dashes = token.startsWith("--") ? "--" : "-";
      String body = token.substring(dashes.length());
      int eq = body.indexOf('=');
      String name = eq < 0 ? body : body.substring(0, eq);
      if (dashes.equals("-") && name.length() != 1) {
        return null; // -abc: a bundle or an attached value; jopt-simple reads those itself
      }
      return new Flag(dashes, name, eq < 0 ? null : body.substring(eq + 1));
    }
  }

  /** Go's strconv.ParseBool; null when unparsable. */
  public static Boolean parseBool(String v) {
    switch (v) {
      case "1", "t", "T", "TRUE", "true", "True":
        return true;
      case "0", "f", "F", "FALSE", "false", "False":
        return false;
      default:
        return null;
    }
  }
}
