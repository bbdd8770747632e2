package org.kvexpress.sign;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Set;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Pem;
import org.kvexpress.core.Problems;
import org.kvexpress.core.Reason;

/**
 * {@code keygen}: a new Ed25519 key pair as {@code NAME.key} (0600, created so) and {@code
 * NAME.pub}.
 */
public final class KeyGenerator {
  /** The files written and the public key's fingerprint. */
  public record Generated(Path privateKey, Path publicKey, String fingerprint) {}

  private KeyGenerator() {}

  public static Generated generate(Path dir, String name) {
    KeyPair pair;
    try {
      pair = KeyPairGenerator.getInstance(Ed25519Keys.ALGORITHM).generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK cannot make Ed25519 keys", e);
    }
    Path priv = dir.resolve(name + ".key");
    Path pub = dir.resolve(name + ".pub");
    try {
      Files.createDirectories(dir);
      if (Files.exists(pub)) {
        throw new FileAlreadyExistsException(pub.toString());
      }
      // Created with mode 0600 in one step: the private key is never readable by others, not even
      // briefly.
      Files.newByteChannel(
              priv,
              Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
          .close();
      Files.writeString(
          priv,
          Pem.encode("PRIVATE KEY", pair.getPrivate().getEncoded()),
          StandardCharsets.US_ASCII);
      Files.writeString(
          pub,
          Pem.encode("PUBLIC KEY", pair.getPublic().getEncoded()),
          StandardCharsets.US_ASCII,
          StandardOpenOption.CREATE_NEW);
    } catch (FileAlreadyExistsException e) {
      throw KvexpressException.usage(
          e.getFile()
              + " exists; keygen never overwrites a key: choose another --name or "
              + "--out");
    } catch (IOException e) {
      throw KvexpressException.because(
          Reason.IO, "cannot write the key pair to " + dir + ": " + Problems.describe(e, dir));
    }
    return new Generated(priv, pub, Ed25519Keys.fingerprint(pair.getPublic()));
  }
}
