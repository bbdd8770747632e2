package org.kvexpress.kv;

/**
 * TLS material named the way Consul's environment names it: CONSUL_CACERT, CONSUL_CAPATH (a
 * directory of CA certificates, used when CONSUL_CACERT is unset, as Consul's client does),
 * CONSUL_CLIENT_CERT, CONSUL_CLIENT_KEY, CONSUL_HTTP_SSL_VERIFY and CONSUL_TLS_SERVER_NAME. Files
 * are PEM; null means unset.
 */
public record TlsSettings(
    String caCert,
    String caPath,
    String clientCert,
    String clientKey,
    boolean verify,
    String serverName) {
  public static final TlsSettings DEFAULT = new TlsSettings(null, null, null, null, true, null);
}
