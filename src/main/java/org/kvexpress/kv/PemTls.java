package org.kvexpress.kv;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.kvexpress.core.KvexpressException;

/** Builds an SSLContext from the PEM files Consul's environment variables name. */
final class PemTls {
  private PemTls() {}

  static SSLContext context(TlsSettings tls) {
    try {
      TrustManager[] trust = null;
      if (!tls.verify()) {
        trust = new TrustManager[] {new TrustAll()};
      } else if (tls.caCert() != null) {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        int i = 0;
        for (Certificate c : certificates(tls.caCert(), "CONSUL_CACERT")) {
          store.setCertificateEntry("ca" + i++, c);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        trust = tmf.getTrustManagers();
      }
      KeyManagerFactory kmf = null;
      if (tls.clientCert() != null || tls.clientKey() != null) {
        if (tls.clientCert() == null || tls.clientKey() == null) {
          throw KvexpressException.usage("CONSUL_CLIENT_CERT and CONSUL_CLIENT_KEY must be set together");
        }
        char[] pass = new char[0];
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        List<Certificate> chain = new ArrayList<>(certificates(tls.clientCert(), "CONSUL_CLIENT_CERT"));
        store.setKeyEntry("client", privateKey(tls.clientKey()), pass, chain.toArray(new Certificate[0]));
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, pass);
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf == null ? null : kmf.getKeyManagers(), trust, null);
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw KvexpressException.usage("cannot set up TLS from the CONSUL_* certificate settings: " + e.getMessage());
    }
  }

  private static Collection<? extends Certificate> certificates(String path, String variable)
      throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(Path.of(path))) {
      Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certs.isEmpty()) {
        throw KvexpressException.usage(variable + " file " + path + " holds no PEM certificate");
      }
      return certs;
    } catch (java.nio.file.NoSuchFileException e) {
      throw KvexpressException.usage(variable + " file " + path + " does not exist");
    }
  }

  private static PrivateKey privateKey(String path) throws IOException, GeneralSecurityException {
    String pem = Files.readString(Path.of(path), StandardCharsets.US_ASCII);
    String begin = "-----BEGIN PRIVATE KEY-----";
    int s = pem.indexOf(begin);
    int e = pem.indexOf("-----END PRIVATE KEY-----");
    if (s < 0 || e < 0) {
      throw KvexpressException.usage("CONSUL_CLIENT_KEY " + path
          + " is not an unencrypted PKCS#8 PEM key; convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY");
    }
    byte[] der = Base64.getMimeDecoder().decode(pem.substring(s + begin.length(), e));
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String alg : new String[] {"RSA", "EC", "Ed25519"}) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(spec);
      } catch (GeneralSecurityException ignored) {
        // try the next algorithm
      }
    }
    throw KvexpressException.usage("CONSUL_CLIENT_KEY " + path + " is neither an RSA, EC nor Ed25519 key");
  }

  /** CONSUL_HTTP_SSL_VERIFY=false: accept any server certificate, as Consul's client does. */
  private static final class TrustAll implements X509TrustManager {
    @Override
    public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {}

    @Override
    public java.security.cert.X509Certificate[] getAcceptedIssuers() {
      return new java.security.cert.X509Certificate[0];
    }
  }
}
