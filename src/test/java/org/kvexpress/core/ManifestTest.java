package org.kvexpress.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ManifestTest {
  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  @Test
  void splitsIntoChunksOfAtMost256KibAndAssemblesTheSameBytes() {
    byte[] content = random(3 * Manifest.CHUNK_BYTES + 17);
    List<byte[]> parts = Manifest.split(content);
    assertThat(parts).hasSize(4);
    assertThat(parts.get(3)).hasSize(17);
    Manifest m = Manifest.of(content, parts, Encoding.GZIP);
    assertThat(m.bytes()).isEqualTo(content.length);
    assertThat(m.checksum()).isEqualTo(Checksum.sha256Hex(content));
    Manifest parsed = Manifest.parse(m.toJson(), "data");
    assertThat(parsed).isEqualTo(m);
    assertThat(parsed.assemble(parts, "data")).isEqualTo(content);
  }

  @Test
  void aChunkThatIsNotTheOneNamedIsRefused() {
    byte[] content = random(2 * Manifest.CHUNK_BYTES);
    List<byte[]> parts = new ArrayList<>(Manifest.split(content));
    Manifest m = Manifest.of(content, parts, Encoding.PLAIN);
    byte[] altered = parts.get(1).clone();
    altered[5] ^= 1;
    parts.set(1, altered);
    assertThatThrownBy(() -> m.assemble(parts, "data"))
        .isInstanceOf(KvexpressException.class)
        .hasMessageContaining("chunk 2 of 2");
    List<byte[]> swapped = List.of(Manifest.split(content).get(1), Manifest.split(content).get(0));
    assertThatThrownBy(() -> m.assemble(swapped, "data")).hasMessageContaining("chunk 1 of 2");
  }

  @Test
  void aManifestThatIsNotOneIsRefusedNotGuessed() {
    byte[] content = random(300_000);
    String good =
        new String(
            Manifest.of(content, Manifest.split(content), Encoding.PLAIN).toJson(),
            StandardCharsets.UTF_8);
    for (String bad :
        List.of(
            "",
            "{}",
            "not json",
            good.replace("kvexpress-chunks/1", "kvexpress-chunks/9"),
            good.replace("\"bytes\":300000", "\"bytes\":300001"),
            good.substring(0, good.length() / 2),
            good.replaceFirst("\"sha256\":\"[0-9a-f]{64}\"", "\"sha256\":\"../../stop\""))) {
      assertThatThrownBy(() -> Manifest.parse(bad.getBytes(StandardCharsets.UTF_8), "data"))
          .as(bad)
          .isInstanceOf(KvexpressException.class)
          .hasMessageContaining("is not a kvexpress-chunks/1 manifest");
    }
  }

  @Test
  void identicalChunksAreNamedOnce() {
    byte[] content = new byte[3 * Manifest.CHUNK_BYTES];
    Arrays.fill(content, (byte) 'x');
    Manifest m = Manifest.of(content, Manifest.split(content), Encoding.PLAIN);
    assertThat(m.chunks()).hasSize(3);
    assertThat(m.names()).hasSize(1);
  }

  @Test
  void pendingRegistrationsGoStaleAfterAnHour() {
    Instant now = Instant.parse("2026-11-30T12:00:00Z");
    PendingChunks p =
        PendingChunks.NONE
            .with(
                new PendingChunks.Entry(
                    "a", "h1", now.minus(Duration.ofMinutes(59)).toString(), List.of("c1")))
            .with(
                new PendingChunks.Entry(
                    "b", "h2", now.minus(Duration.ofMinutes(61)).toString(), List.of("c2")))
            .with(new PendingChunks.Entry("c", "h3", "not a time", List.of("c3")));
    assertThat(p.protectedChunks(now)).containsExactly("c1");
    assertThat(p.live(now).publishes()).extracting(PendingChunks.Entry::id).containsExactly("a");
    PendingChunks back = PendingChunks.parse(p.toJson());
    assertThat(back).isEqualTo(p);
    assertThat(back.without("a").has("a")).isFalse();
    assertThat(PendingChunks.parse("garbage".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(PendingChunks.NONE);
  }
}
