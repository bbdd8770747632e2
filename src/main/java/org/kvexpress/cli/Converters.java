package org.kvexpress.cli;

import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import joptsimple.ArgumentAcceptingOptionSpec;
import joptsimple.OptionParser;
import joptsimple.ValueConversionException;
import joptsimple.ValueConverter;
import org.kvexpress.core.GoDuration;
import org.kvexpress.core.KeyNames;
import org.kvexpress.core.KvexpressException;

/**
 * jopt-simple converters that enforce kvexpress's rules while parsing (JMH's IntegerValueConverter
 * style).
 */
final class Converters {
  /**
   * The {@code -m/--mode} option (octal; Go's {@code -c/--chmod} integer is translated to it before
   * parsing).
   */
  static ArgumentAcceptingOptionSpec<Integer> mode(OptionParser p) {
    return p.acceptsAll(
            List.of("m", "mode"),
            "file mode in octal (default: the existing file's, else 0640); "
                + "-c/--chmod N takes Go kvexpress's integer instead (0644, or 420 decimal)")
        .withRequiredArg()
        .withValuesConvertedBy(MODE);
  }

  /** The {@code -o/--owner} option. */
  static ArgumentAcceptingOptionSpec<String> owner(OptionParser p) {
    return p.acceptsAll(List.of("o", "owner"), "file owner")
        .withRequiredArg()
        .describedAs("USER[:GROUP]");
  }

  /**
   * The {@code -k/--key} option, a key name checked by {@link #KEY}; {@code help} says which key.
   */
  static ArgumentAcceptingOptionSpec<String> key(OptionParser p, String help) {
    return p.acceptsAll(List.of("k", "key"), help).withRequiredArg().withValuesConvertedBy(KEY);
  }

  private Converters() {}

  /** A whole number that is zero or more. */
  static final ValueConverter<Integer> NON_NEGATIVE =
      new IntConverter(0, Integer.MAX_VALUE, "a whole number >= 0");

  /** A count of at least one. */
  static final ValueConverter<Integer> POSITIVE =
      new IntConverter(1, Integer.MAX_VALUE, "a whole number >= 1");

  /** A percentage from 0 to 100. */
  static final ValueConverter<Integer> PERCENT =
      new IntConverter(0, 100, "a whole number from 0 to 100");

  /** A key name: segments of [A-Za-z0-9_.,-] joined by /. */
  static final ValueConverter<String> KEY = new Checked("KEY", s -> KeyNames.validateKey("key", s));

  /** A prefix; leading and trailing slashes are dropped. */
  static final ValueConverter<String> PREFIX = new Checked("PREFIX", KeyNames::normalizePrefix);

  /**
   * A duration option's value; prints the way it is written (30s), so help shows readable defaults.
   */
  record Span(Duration value) {
    static Span of(Duration d) {
      return new Span(d);
    }

    @Override
    public String toString() {
      return GoDuration.format(value);
    }
  }

  /** A Go-style duration such as 30s, 5m or 1m30s. */
  static final ValueConverter<Span> DURATION =
      new ValueConverter<>() {
        @Override
        public Span convert(String value) {
          Duration d = GoDuration.parse(value);
          if (d == null || d.isNegative()) {
            throw new ValueConversionException(
                "\"" + value + "\" is not a duration; use forms like 500ms, 30s, 5m");
          }
          return new Span(d);
        }

        @Override
        public Class<Span> valueType() {
          return Span.class;
        }

        @Override
        public String valuePattern() {
          return "DURATION";
        }
      };

  /** A file mode in octal, such as 0640 or 644. */
  static final ValueConverter<Integer> MODE =
      new ValueConverter<>() {
        @Override
        public Integer convert(String value) {
          if (!value.matches("0?[0-7]{3,4}")) {
            throw new ValueConversionException(
                "\"" + value + "\" is not an octal file mode; use forms like 0640 or 644");
          }
          int mode = Integer.parseInt(value, 8);
          if (mode > 0777) {
            throw new ValueConversionException(
                "\""
                    + value
                    + "\" sets setuid, setgid or sticky bits, which kvexpress does not write; use a mode up to 0777");
          }
          return mode;
        }

        @Override
        public Class<Integer> valueType() {
          return Integer.class;
        }

        @Override
        public String valuePattern() {
          return "OCTAL";
        }
      };

  private static final class IntConverter implements ValueConverter<Integer> {
    private final int min;
    private final int max;
    private final String what;

    IntConverter(int min, int max, String what) {
      this.min = min;
      this.max = max;
      this.what = what;
    }

    @Override
    public Integer convert(String value) {
      try {
        int v = Integer.parseInt(value.trim());
        if (v >= min && v <= max) {
          return v;
        }
      } catch (NumberFormatException ignored) {
        // reported below
      }
      throw new ValueConversionException("\"" + value + "\" is not " + what);
    }

    @Override
    public Class<Integer> valueType() {
      return Integer.class;
    }

    @Override
    public String valuePattern() {
      return "N";
    }
  }

  private static final class Checked implements ValueConverter<String> {
    private final String pattern;
    private final UnaryOperator<String> check;

    Checked(String pattern, UnaryOperator<String> check) {
      this.pattern = pattern;
      this.check = check;
    }

    @Override
    public String convert(String value) {
      try {
        return check.apply(value);
      } catch (KvexpressException e) {
        throw new ValueConversionException(e.getMessage());
      }
    }

    @Override
    public Class<String> valueType() {
      return String.class;
    }

    @Override
    public String valuePattern() {
      return pattern;
    }
  }
}
