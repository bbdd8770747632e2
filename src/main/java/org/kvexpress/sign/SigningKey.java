package org.kvexpress.sign;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.EdECPrivateKey;
import java.util.Base64;
import java.util.NoSuchElementException;
import org.kvexpress.core.KeyLayout;

/**
 * A publisher's private key ({@code --sign-key FILE}): signs statements that name it and its
 * fingerprint.
 */
public final class SigningKey {
  private final PrivateKey key;
  private final String name;
  private final String fingerprint;

  private SigningKey(PrivateKey key, String name, String fingerprint) {
    this.key = key;
    this.name = name;
    this.fingerprint = fingerprint;
  }

  public static SigningKey load(Path file) {
    PrivateKey k = Ed25519Keys.readPrivate(file);
    return new SigningKey(k, Ed25519Keys.nameOf(file), Ed25519Keys.fingerprint(publicOf(k)));
  }

  /** Signs "publisher published checksum as layout at time". */
  public SignedStatement sign(KeyLayout layout, String checksum, String time, String publisher) {
    SignedStatement unsigned =
        new SignedStatement(
            SignedStatement.FORMAT,
            layout.prefix(),
            layout.key(),
            checksum,
            time,
            publisher,
            name,
            fingerprint,
            null);
    try {
      Signature s = Signature.getInstance(Ed25519Keys.ALGORITHM);
      s.initSign(key);
      s.update(unsigned.text());
      return unsigned.withSignature(Base64.getEncoder().encodeToString(s.sign()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 signing failed", e);
    }
  }

  /** Who signs as the publisher: the user and host this runs as. */
  public static String publisher(String hostname) {
    return System.getProperty("user.name", "?") + "@" + hostname;
  }

  public String name() {
    return name;
  }

  public String fingerprint() {
    return fingerprint;
  }

  /** The public half of an Ed25519 private key, so the fingerprint needs no .pub file beside it. */
  private static PublicKey publicOf(PrivateKey k) {
    try {
      EdECPrivateKey ed = (EdECPrivateKey) k;
      byte[] seed = ed.getBytes().orElseThrow();
      // The JDK has no public "derive the public key" call; an Ed25519 key pair generator draws
      // exactly the 32 private bytes from its random source, so one fed the private key's bytes
      // derives its public key.
      var gen = KeyPairGenerator.getInstance(Ed25519Keys.ALGORITHM);
      gen.initialize(ed.getParams(), new FixedRandom(seed));
      return gen.generateKeyPair().getPublic();
    } catch (GeneralSecurityException | ClassCastException | NoSuchElementException e) {
      throw new IllegalStateException("cannot derive the Ed25519 public key", e);
    }
  }

  /** Hands out the given bytes once: an Ed25519 key pair generated from it has that private key. */
  private static final class FixedRandom extends SecureRandom {
    private final byte[] seed;

    FixedRandom(byte[] seed) {
      this.seed = seed.clone();
    }

    @Override
    public void nextBytes(byte[] bytes) {
      System.arraycopy(seed, 0, bytes, 0, Math.min(seed.length, bytes.length));
    }
  }
}
