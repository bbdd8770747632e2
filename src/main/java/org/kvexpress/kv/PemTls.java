package org.kvexpress.kv;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Pem;

/** Builds an SSLContext from the PEM files Consul's environment variables name. */
final class PemTls {
  private PemTls() {}

  static SSLContext context(TlsSettings tls) {
    try {
      TrustManager[] trust = null;
      if (!tls.verify()) {
        trust = new TrustManager[] {new TrustAll()};
      } else if (tls.caCert() != null || tls.caPath() != null) {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        int i = 0;
        for (Certificate c :
            tls.caCert() != null
                ? certificates(tls.caCert(), "CONSUL_CACERT")
                : caDirectory(tls.caPath())) {
          store.setCertificateEntry("ca" + i++, c);
        }
        TrustManagerFactory tmf =
            TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        trust = tmf.getTrustManagers();
      }
      KeyManagerFactory kmf = null;
      if (tls.clientCert() != null || tls.clientKey() != null) {
        if (tls.clientCert() == null || tls.clientKey() == null) {
          throw KvexpressException.usage(
              "CONSUL_CLIENT_CERT and CONSUL_CLIENT_KEY must be set together");
        }
        char[] pass = new char[0];
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        List<Certificate> chain =
            new ArrayList<>(certificates(tls.clientCert(), "CONSUL_CLIENT_CERT"));
        store.setKeyEntry(
            "client", privateKey(tls.clientKey()), pass, chain.toArray(new Certificate[0]));
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, pass);
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf == null ? null : kmf.getKeyManagers(), trust, null);
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw KvexpressException.usage(
          "cannot set up TLS from the CONSUL_* certificate settings: " + e.getMessage());
    }
  }

  /**
   * Every certificate in the files of CONSUL_CAPATH; a file that holds none is an error, as in
   * Consul's client.
   */
  private static List<Certificate> caDirectory(String dir)
      throws IOException, GeneralSecurityException {
    Path d = Path.of(dir);
    if (!Files.isDirectory(d)) {
      throw KvexpressException.usage("CONSUL_CAPATH " + dir + " is not a directory");
    }
    List<Certificate> all = new ArrayList<>();
    try (var files = Files.list(d)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        all.addAll(certificates(f.toString(), "CONSUL_CAPATH"));
      }
    }
    if (all.isEmpty()) {
      throw KvexpressException.usage("CONSUL_CAPATH " + dir + " holds no certificate files");
    }
    return all;
  }

  private static Collection<? extends Certificate> certificates(String path, String variable)
      throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(Path.of(path))) {
      Collection<? extends Certificate> certs =
          CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certs.isEmpty()) {
        throw KvexpressException.usage(variable + " file " + path + " holds no PEM certificate");
      }
      return certs;
    } catch (NoSuchFileException e) {
      throw KvexpressException.usage(variable + " file " + path + " does not exist");
    }
  }

  /**
   * The client key in any of the unencrypted PEM forms Consul and OpenSSL write: PKCS#8 ("PRIVATE
   * KEY"), SEC1 ("EC PRIVATE KEY", what {@code consul tls cert create} writes) and PKCS#1 ("RSA
   * PRIVATE KEY"). The JDK reads only PKCS#8, so the other two are wrapped into it (RFC 5208, RFC
   * 5915, RFC 8017).
   */
  private static PrivateKey privateKey(String path) throws IOException, GeneralSecurityException {
    String pem;
    try {
      pem = Files.readString(Path.of(path), StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      throw KvexpressException.usage("CONSUL_CLIENT_KEY file " + path + " does not exist");
    }
    byte[] pkcs8 = block(pem, "PRIVATE KEY");
    if (pkcs8 == null) {
      byte[] sec1 = block(pem, "EC PRIVATE KEY");
      byte[] pkcs1 = block(pem, "RSA PRIVATE KEY");
      if (sec1 != null) {
        pkcs8 = Der.pkcs8(Der.EC_PUBLIC_KEY, Der.tlv(0x06, Der.namedCurveOfSec1(sec1)), sec1);
      } else if (pkcs1 != null) {
        pkcs8 = Der.pkcs8(Der.RSA_ENCRYPTION, new byte[] {0x05, 0x00}, pkcs1);
      } else {
        throw KvexpressException.usage(
            "CONSUL_CLIENT_KEY "
                + path
                + " holds no unencrypted PEM private key (PKCS#8 "
                + "\"PRIVATE KEY\", SEC1 \"EC PRIVATE KEY\" or PKCS#1 \"RSA PRIVATE KEY\"); an encrypted key must be "
                + "decrypted first: openssl pkey -in KEY -out KEY.pem");
      }
    }
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(pkcs8);
    for (String alg : new String[] {"RSA", "EC", "Ed25519"}) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(spec);
      } catch (GeneralSecurityException ignored) {
        // try the next algorithm
      }
    }
    throw KvexpressException.usage(
        "CONSUL_CLIENT_KEY " + path + " cannot be read as an RSA, EC or Ed25519 private key");
  }

  /** The DER bytes of the first PEM block with exactly this label, or null. */
  private static byte[] block(String pem, String label) {
    try {
      return Pem.block(pem, label);
    } catch (IllegalArgumentException bad) {
      throw KvexpressException.usage(
          "CONSUL_CLIENT_KEY has a " + label + " block that is not valid base64");
    }
  }

  /** CONSUL_HTTP_SSL_VERIFY=false: accept any server certificate, as Consul's client does. */
  private static final class TrustAll implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
