package org.kvexpress.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kvexpress.core.HealthVerdict.Check;
import org.kvexpress.core.HealthVerdict.State;

class HealthVerdictTest {
  static Check check(String id, String status, String service) {
    return new Check(id, id + " name", status, id + " said\nlast line", service);
  }

  @Test
  void onlyTheWatchedServicesAndChecksCount() {
    List<Check> checks =
        List.of(
            check("serfHealth", "passing", ""),
            check("web-1", "passing", "web"),
            check("db-1", "critical", "db"),
            check("disk", "warning", ""));
    assertThat(HealthVerdict.of(checks, List.of("web"), List.of()).state())
        .isEqualTo(State.PASSING);
    assertThat(HealthVerdict.of(checks, List.of("db"), List.of()).state())
        .isEqualTo(State.CRITICAL);
    assertThat(HealthVerdict.of(checks, List.of(), List.of("disk")).state())
        .isEqualTo(State.WAITING);
    assertThat(HealthVerdict.of(checks, List.of("cache"), List.of()).state()).isEqualTo(State.NONE);
  }

  @Test
  void criticalWinsOverWarningAndNamesTheCheckWithItsLastLine() {
    HealthVerdict v =
        HealthVerdict.of(
            List.of(check("a", "warning", "web"), check("b", "critical", "web")),
            List.of("web"),
            List.of());
    assertThat(v.state()).isEqualTo(State.CRITICAL);
    assertThat(v.describeFailing()).isEqualTo("check 'b name': last line");
    assertThat(v.names()).containsExactly("a name", "b name");
  }
}
