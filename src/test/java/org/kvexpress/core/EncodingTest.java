package org.kvexpress.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class EncodingTest {
  @Test
  void gzipRoundTrips() {
    byte[] plain = "a\nb\n\u0000\u00ff\n".getBytes(StandardCharsets.ISO_8859_1);
    assertThat(Encoding.GZIP.decode(Encoding.GZIP.encode(plain), 1024)).isEqualTo(plain);
    assertThat(Encoding.PLAIN.encode(plain)).isSameAs(plain);
  }

  @Test
  void gzipBombIsRefusedAfterReadingTheLimit() throws Exception {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(buf)) {
      byte[] zeros = new byte[1 << 20];
      for (int i = 0; i < 1024; i++) {
        gz.write(zeros); // 1 GiB of zeros, about 1 MiB compressed
      }
    }
    long before = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
    assertThatThrownBy(() -> Encoding.GZIP.decode(buf.toByteArray(), 8 << 20))
        .isInstanceOf(KvexpressException.class)
        .hasMessageContaining("possible gzip bomb")
        .extracting(e -> ((KvexpressException) e).kind())
        .isEqualTo(KvexpressException.Kind.REFUSED);
    long after = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
    assertThat(after - before).as("did not expand the bomb").isLessThan(256L << 20);
  }

  @Test
  void invalidGzipAndUnknownFlagsAreRefused() {
    assertThatThrownBy(() -> Encoding.GZIP.decode("not gzip".getBytes(), 1024))
        .hasMessageContaining("not valid gzip");
    assertThatThrownBy(() -> Encoding.fromFlags(7)).hasMessageContaining("Flags=7");
    assertThatThrownBy(() -> Encoding.fromFlags(-1))
        .hasMessageContaining("Flags=18446744073709551615");
    assertThatThrownBy(() -> Encoding.BROTLI.decode(new byte[1], 10))
        .hasMessageContaining("brotli");
  }

  @Test
  void checksumIsLowercaseHexSha256() {
    assertThat(Checksum.sha256Hex("abc"))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }
}
