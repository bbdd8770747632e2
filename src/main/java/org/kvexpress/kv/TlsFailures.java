package org.kvexpress.kv;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSocket;

/**
 * Turns TLS failures into messages that name their cause and fix. None of them is transient: a
 * rejected client certificate or a certificate for another name fails the same way on every retry.
 */
final class TlsFailures {
  /** The alerts a server sends when it rejects (or misses) the client's certificate. */
  private static final Pattern CLIENT_CERT_ALERT =
      Pattern.compile(
          "alert: (bad_certificate|certificate_required|unknown_ca|certificate_unknown|"
              + "unsupported_certificate|access_denied)");

  private static final Pattern NAME_MISMATCH =
      Pattern.compile("doesn't match any of the subject alternative names: (\\[.*])");

  private TlsFailures() {}

  /** One line for a TLS failure with Consul at {@code address}. */
  static String describe(SSLException e, TlsSettings tls, ConsulAddress address) {
    String text = String.valueOf(e.getMessage());
    if (text.contains("Unsupported or unrecognized SSL message") || text.contains("plaintext")) {
      return plainHttp(address);
    }
    Matcher alert = CLIENT_CERT_ALERT.matcher(text);
    if (alert.find()) {
      return clientCertificate(tls, address, alert.group(1));
    }
    Matcher names = NAME_MISMATCH.matcher(text);
    if (e instanceof SSLPeerUnverifiedException && names.find()) {
      String expected =
          tls.serverName() != null
              ? tls.serverName() + " (CONSUL_TLS_SERVER_NAME)"
              : address.host();
      return "the certificate of Consul at "
          + address.display()
          + " is for "
          + names.group(1)
          + ", not for "
          + expected
          + "; set CONSUL_TLS_SERVER_NAME to a name it carries, or use such a name in the address";
    }
    return "TLS with Consul at "
        + address.display()
        + " failed: "
        + text
        + "; check CONSUL_CACERT or CONSUL_CAPATH, CONSUL_TLS_SERVER_NAME and the address";
  }

  /** The message for an HTTPS address whose server speaks plain HTTP. */
  static String plainHttp(ConsulAddress address) {
    return "Consul at "
        + address.display()
        + " answers plain HTTP, not TLS; use http:// in the address (and unset CONSUL_HTTP_SSL),"
        + " or enable the agent's HTTPS port";
  }

  /**
   * After a TLS handshake that timed out: whether the server answers a plain HTTP request (a server
   * that is not TLS waits for a request line and never answers a handshake). Best effort: any
   * failure of the probe is "no".
   */
  static boolean servesPlainHttp(ConsulAddress address) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(address.host(), address.port()), 2000);
      s.setSoTimeout(2000);
      s.getOutputStream()
          .write(
              ("GET /v1/status/leader HTTP/1.0\r\nHost: " + address.host() + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      byte[] head = s.getInputStream().readNBytes(5);
      return new String(head, StandardCharsets.US_ASCII).equals("HTTP/");
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static String clientCertificate(TlsSettings tls, ConsulAddress address, String alert) {
    if (tls.clientCert() == null) {
      return "Consul at "
          + address.display()
          + " requires a TLS client certificate (verify_incoming) and none "
          + "was given (alert "
          + alert
          + "); set CONSUL_CLIENT_CERT and CONSUL_CLIENT_KEY";
    }
    return "Consul at "
        + address.display()
        + " rejected the TLS client certificate "
        + tls.clientCert()
        + " (alert "
        + alert
        + "); it must be signed by a CA the agent trusts (its ca_file) and be valid now";
  }

  /**
   * After a connection reset on HTTPS: with TLS 1.3 a server that rejects the client certificate
   * does so after the client's handshake, and the client may see only a reset. One fresh connection
   * that reads an answer tells the two apart; returns the message for a rejected certificate, or
   * null when the reset was something else (and is worth a retry).
   */
  static String probeAfterReset(SSLContext context, TlsSettings tls, ConsulAddress address) {
    try (SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket()) {
      s.connect(new InetSocketAddress(address.host(), address.port()), 5000);
      s.setSoTimeout(5000);
      if (tls.serverName() != null) {
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName(tls.serverName())));
        s.setSSLParameters(p);
      }
      s.startHandshake();
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET /v1/status/leader HTTP/1.1\r\nHost: "
                  + address.host()
                  + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      in.read();
      return null;
    } catch (SSLException e) {
      Matcher alert = CLIENT_CERT_ALERT.matcher(String.valueOf(e.getMessage()));
      return alert.find() ? clientCertificate(tls, address, alert.group(1)) : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
