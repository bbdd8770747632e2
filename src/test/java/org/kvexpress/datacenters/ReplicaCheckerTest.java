package org.kvexpress.datacenters;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.kvexpress.core.Checksum;

/** The replica checker catches each thing a replica must never show. */
class ReplicaCheckerTest {
  static final byte[] V1 = "a\nb\nc\n".getBytes(StandardCharsets.UTF_8);
  static final byte[] V2 = "a\nb\nd\n".getBytes(StandardCharsets.UTF_8);
  static final String S1 = Checksum.sha256Hex(V1);
  static final String S2 = Checksum.sha256Hex(V2);
  static final Instant T1 = Instant.parse("2026-12-03T10:00:00Z");
  static final Instant T2 = T1.plusSeconds(1);

  @Test
  void aHealthyHistoryPasses() {
    ReplicaChecker c = new ReplicaChecker(3);
    assertThat(c.check(V1, S1, T1, Set.of(S1, S2))).isNull();
    assertThat(c.check(V1, S1, T1, Set.of(S1, S2))).isNull();
    assertThat(c.check(V2, S2, T2, Set.of(S1, S2))).isNull();
  }

  @Test
  void eachViolationIsCaught() {
    assertThat(new ReplicaChecker(3).check(null, null, T1, Set.of(S1))).contains("no data");
    assertThat(new ReplicaChecker(3).check(new byte[0], S1, T1, Set.of(S1))).contains("no data");
    assertThat(new ReplicaChecker(3).check(V1, S2, T1, Set.of(S1, S2))).contains("does not match");
    assertThat(new ReplicaChecker(4).check(V1, S1, T1, Set.of(S1))).contains("fewer than 4");
    assertThat(new ReplicaChecker(3).check(V1, S1, T1, Set.of(S2))).contains("nobody published");
    ReplicaChecker older = new ReplicaChecker(3);
    assertThat(older.check(V2, S2, T2, Set.of(S1, S2))).isNull();
    assertThat(older.check(V1, S1, T1, Set.of(S1, S2))).contains("went back");
  }
}
