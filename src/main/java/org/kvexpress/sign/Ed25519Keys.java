package org.kvexpress.sign;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import org.kvexpress.core.Checksum;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Pem;
import org.kvexpress.core.Problems;

/**
 * Ed25519 keys as PEM files (PKCS#8 {@code PRIVATE KEY}, X.509 {@code PUBLIC KEY}, as {@code
 * openssl genpkey -algorithm ed25519} writes them), read with the JDK's own provider. A key's name
 * is its file name without the extension; its fingerprint is the start of the SHA-256 of the public
 * key's DER form.
 */
final class Ed25519Keys {
  static final String ALGORITHM = "Ed25519";

  private Ed25519Keys() {}

  static PrivateKey readPrivate(Path file) {
    byte[] der = der(file, "PRIVATE KEY");
    try {
      return KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (GeneralSecurityException e) {
      throw KvexpressException.usage(
          file
              + " is not an Ed25519 private key ("
              + e.getMessage()
              + "); make one with "
              + "'kvexpress keygen --out DIR'");
    }
  }

  static PublicKey readPublic(Path file) {
    byte[] der = der(file, "PUBLIC KEY");
    try {
      return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der));
    } catch (GeneralSecurityException e) {
      throw KvexpressException.usage(
          file
              + " is not an Ed25519 public key ("
              + e.getMessage()
              + "); use the .pub "
              + "file 'kvexpress keygen' wrote");
    }
  }

  static String fingerprint(PublicKey key) {
    return "sha256:" + Checksum.sha256Hex(key.getEncoded()).substring(0, 16);
  }

  static String nameOf(Path file) {
    String n = file.getFileName().toString();
    int dot = n.lastIndexOf('.');
    return dot > 0 ? n.substring(0, dot) : n;
  }

  private static byte[] der(Path file, String type) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw KvexpressException.usage(
          "cannot read key file " + file + ": " + Problems.describe(e, file));
    }
    byte[] der;
    try {
      der = Pem.block(text, type);
    } catch (IllegalArgumentException e) {
      throw KvexpressException.usage(file + " has a damaged PEM block (" + e.getMessage() + ")");
    }
    if (der == null) {
      throw KvexpressException.usage(
          file + " holds no PEM '" + type + "' block; make keys with 'kvexpress keygen'");
    }
    return der;
  }
}
