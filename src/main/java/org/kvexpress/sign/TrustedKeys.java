package org.kvexpress.sign;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.kvexpress.core.Checksum;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Problems;
import org.kvexpress.core.Reason;

/**
 * The public keys a node trusts ({@code out --trust-key FILE|DIR}, every {@code *.pub} of a
 * directory), and the one check that matters: the published checksum of this key carries a valid
 * signature by one of them.
 */
public final class TrustedKeys {
  private record Trusted(String name, String fingerprint, PublicKey key) {}

  private final List<Trusted> keys;

  private TrustedKeys(List<Trusted> keys) {
    this.keys = List.copyOf(keys);
  }

  /**
   * Loads every file given and every {@code *.pub} in every directory given; none at all is a usage
   * error.
   */
  public static TrustedKeys load(List<Path> filesOrDirs) {
    List<Trusted> keys = new ArrayList<>();
    for (Path p : filesOrDirs) {
      for (Path f : files(p)) {
        PublicKey k = Ed25519Keys.readPublic(f);
        keys.add(new Trusted(Ed25519Keys.nameOf(f), Ed25519Keys.fingerprint(k), k));
      }
    }
    if (keys.isEmpty()) {
      throw KvexpressException.usage(
          "--trust-key "
              + filesOrDirs
              + " holds no public key (*.pub); copy the .pub file "
              + "'kvexpress keygen' wrote there");
    }
    return new TrustedKeys(keys);
  }

  private static List<Path> files(Path p) {
    if (!Files.isDirectory(p)) {
      return List.of(p);
    }
    try (Stream<Path> s = Files.list(p)) {
      return s.filter(f -> f.getFileName().toString().endsWith(".pub")).sorted().toList();
    } catch (IOException e) {
      throw KvexpressException.usage(
          "cannot list --trust-key directory " + p + ": " + Problems.describe(e, p));
    }
  }

  /**
   * Proves that {@code stored} (the signature value, null when absent) is a statement by a trusted
   * key that {@code checksum} was published as {@code layout}; returns it, or refuses (exit 3)
   * saying what is wrong.
   */
  public SignedStatement verify(byte[] stored, KeyLayout layout, String checksum) {
    String where = layout.signature();
    if (stored == null) {
      throw refused(
          Reason.UNSIGNED,
          layout.dir()
              + " is not signed (no "
              + where
              + ") and this node trusts only "
              + "signed versions; publish with 'kvexpress in --sign-key FILE'");
    }
    SignedStatement s = SignedStatement.parse(stored);
    if (s == null) {
      throw refused(
          Reason.BAD_SIGNATURE,
          where
              + " is not a complete signature statement; republish with "
              + "'kvexpress in --sign-key FILE'");
    }
    Trusted signer =
        keys.stream().filter(k -> k.fingerprint().equals(s.fingerprint())).findFirst().orElse(null);
    if (signer == null) {
      throw refused(
          Reason.UNTRUSTED_SIGNER,
          where
              + " is signed by "
              + s.signer()
              + " ("
              + s.fingerprint()
              + "), which is not among this node's --trust-key keys");
    }
    if (!valid(signer.key(), s)) {
      throw refused(
          Reason.BAD_SIGNATURE,
          where
              + " does not verify with "
              + signer.name()
              + " ("
              + s.fingerprint()
              + "): the statement or its signature was altered");
    }
    if (!s.prefix().equals(layout.prefix()) || !s.key().equals(layout.key())) {
      throw refused(
          Reason.BAD_SIGNATURE,
          where
              + " was signed for "
              + s.prefix()
              + "/"
              + s.key()
              + "/, not "
              + layout.dir()
              + "; a copy to another key must be signed again (copy --sign-key)");
    }
    if (!s.checksum().equals(checksum)) {
      throw refused(
          Reason.BAD_SIGNATURE,
          where
              + " signs checksum "
              + Checksum.shortForm(s.checksum())
              + " but the "
              + "published checksum is "
              + Checksum.shortForm(checksum));
    }
    return s;
  }

  private static boolean valid(PublicKey key, SignedStatement s) {
    try {
      Signature v = Signature.getInstance(Ed25519Keys.ALGORITHM);
      v.initVerify(key);
      v.update(s.text());
      return v.verify(Base64.getDecoder().decode(s.signature()));
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      return false;
    }
  }

  private static KvexpressException refused(Reason reason, String message) {
    return KvexpressException.because(reason, message + "; the file is left untouched");
  }
}
