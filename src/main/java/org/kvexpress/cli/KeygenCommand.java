package org.kvexpress.cli;

import java.nio.file.Path;
import joptsimple.OptionParser;
import joptsimple.OptionSet;
import joptsimple.OptionSpec;
import org.kvexpress.core.KeyNames;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.log.Fields;
import org.kvexpress.sign.KeyGenerator;

/** {@code kvexpress keygen --out DIR}: an Ed25519 key pair for signed publishes. */
final class KeygenCommand implements Command<KeygenCommand.Options> {
  /** Where to write and the pair's name (its files are NAME.key and NAME.pub). */
  record Options(Path dir, String name) {}

  private OptionSpec<String> out;
  private OptionSpec<String> name;

  @Override
  public String name() {
    return "keygen";
  }

  @Override
  public String usage() {
    return "kvexpress keygen --out DIR [--name NAME]";
  }

  @Override
  public String summary() {
    return "make an Ed25519 key pair for in --sign-key and out --trust-key";
  }

  @Override
  public boolean talksToConsul() {
    return false;
  }

  @Override
  public void declare(OptionParser p) {
    out =
        p.accepts("out", "directory to write NAME.key (private, mode 0600) and NAME.pub into")
            .withRequiredArg()
            .describedAs("DIR")
            .required();
    name =
        p.accepts("name", "the key's name, shown by status as the signer")
            .withRequiredArg()
            .defaultsTo("kvexpress");
  }

  @Override
  public Options options(OptionSet o) {
    String n = o.valueOf(name);
    if (n.contains("/") || n.startsWith(".")) {
      throw KvexpressException.usage(
          "--name " + n + " must be a plain file name (no /, no " + "leading dot)");
    }
    return new Options(Path.of(o.valueOf(out)), KeyNames.validateKey("name", n));
  }

  @Override
  public Outcome run(Options o, CommandContext ctx) {
    KeyGenerator.Generated g = KeyGenerator.generate(o.dir(), o.name());
    ctx.say(
        "wrote "
            + g.privateKey()
            + " (keep it on publishers only) and "
            + g.publicKey()
            + " (give it to nodes: "
            + "out --trust-key); fingerprint "
            + g.fingerprint());
    return Outcome.ok(
        Fields.of("result", "generated")
            .add("private_key", g.privateKey())
            .add("public_key", g.publicKey())
            .add("fingerprint", g.fingerprint()));
  }
}
