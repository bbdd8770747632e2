package org.kvexpress.kv;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.kvexpress.core.KvexpressException;

/**
 * Just enough DER (X.690) to wrap SEC1 and PKCS#1 private keys into the PKCS#8 form the JDK reads.
 */
final class Der {
  /** OID 1.2.840.10045.2.1, id-ecPublicKey. */
  static final byte[] EC_PUBLIC_KEY = {
    0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01
  };

  /** OID 1.2.840.113549.1.1.1, rsaEncryption. */
  static final byte[] RSA_ENCRYPTION = {
    0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01
  };

  private Der() {}

  /**
   * PrivateKeyInfo ::= SEQUENCE { version 0, AlgorithmIdentifier { algorithm, parameters }, OCTET
   * STRING key }.
   */
  static byte[] pkcs8(byte[] algorithmOid, byte[] parameters, byte[] key) {
    byte[] version = {0x02, 0x01, 0x00};
    return tlv(0x30, concat(version, tlv(0x30, concat(algorithmOid, parameters)), tlv(0x04, key)));
  }

  /**
   * The named curve's OID (its content bytes) from a SEC1 ECPrivateKey ::= SEQUENCE { version,
   * privateKey OCTET STRING, [0] parameters, [1] publicKey }; a key without [0] cannot be read on
   * its own.
   */
  static byte[] namedCurveOfSec1(byte[] sec1) {
    Reader seq = new Reader(sec1);
    Reader fields = seq.enter(0x30);
    while (fields.more()) {
      int tag = fields.peekTag();
      byte[] value = fields.next();
      if (tag == 0xa0) {
        Reader params = new Reader(value);
        if (params.more() && params.peekTag() == 0x06) {
          return params.next();
        }
      }
    }
    throw KvexpressException.usage(
        "CONSUL_CLIENT_KEY is an EC key without its curve; write it with the curve "
            + "named: openssl ec -in KEY -param_enc named_curve");
  }

  static byte[] tlv(int tag, byte[] value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(value.length + 6);
    out.write(tag);
    int n = value.length;
    if (n < 0x80) {
      out.write(n);
    } else {
      int bytes = n > 0xffffff ? 4 : n > 0xffff ? 3 : n > 0xff ? 2 : 1;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(n >>> (8 * i));
      }
    }
    out.writeBytes(value);
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /** Reads consecutive TLVs; a malformed length is a usage error naming the key. */
  private static final class Reader {
    private final byte[] buf;
    private int pos;

    Reader(byte[] buf) {
      this.buf = buf;
    }

    boolean more() {
      return pos < buf.length;
    }

    int peekTag() {
      return buf[pos] & 0xff;
    }

    Reader enter(int tag) {
      if (!more() || peekTag() != tag) {
        throw malformed();
      }
      return new Reader(next());
    }

    byte[] next() {
      if (pos + 2 > buf.length) {
        throw malformed();
      }
      pos++;
      int len = buf[pos++] & 0xff;
      if (len >= 0x80) {
        int bytes = len & 0x7f;
        if (bytes == 0 || bytes > 4 || pos + bytes > buf.length) {
          throw malformed();
        }
        len = 0;
        for (int i = 0; i < bytes; i++) {
          len = (len << 8) | (buf[pos++] & 0xff);
        }
      }
      if (len < 0 || pos + len > buf.length) {
        throw malformed();
      }
      byte[] v = Arrays.copyOfRange(buf, pos, pos + len);
      pos += len;
      return v;
    }

    private static KvexpressException malformed() {
      return KvexpressException.usage("CONSUL_CLIENT_KEY is not a well-formed DER key");
    }
  }
}
