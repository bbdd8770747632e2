package org.kvexpress.core;

import java.util.List;
import java.util.function.Predicate;

/**
 * What a node's checks say about the services a health gate watches: the checks that matter, and
 * whether all of them pass, one is critical, or the gate must wait (warning, or not run yet).
 */
public record HealthVerdict(State state, List<String> names, String failing, String output) {
  /** PASSING: every watched check passes; CRITICAL: one is critical; WAITING: neither yet. */
  public enum State {
    PASSING,
    CRITICAL,
    WAITING,
    /** No check matches what the gate watches: nothing can prove the node healthy. */
    NONE
  }

  /** One check as the gate sees it. */
  public record Check(String id, String name, String status, String output, String service) {}

  /**
   * The verdict on {@code checks} for the watched {@code services} (their service checks) and check
   * {@code ids}.
   */
  public static HealthVerdict of(List<Check> checks, List<String> services, List<String> ids) {
    Predicate<Check> watched = c -> services.contains(c.service()) || ids.contains(c.id());
    List<Check> mine = checks.stream().filter(watched).toList();
    List<String> names = mine.stream().map(Check::name).toList();
    if (mine.isEmpty()) {
      return new HealthVerdict(State.NONE, names, null, null);
    }
    for (Check c : mine) {
      if ("critical".equals(c.status())) {
        return new HealthVerdict(State.CRITICAL, names, c.name(), c.output());
      }
    }
    for (Check c : mine) {
      if (!"passing".equals(c.status())) {
        return new HealthVerdict(State.WAITING, names, c.name(), c.output());
      }
    }
    return new HealthVerdict(State.PASSING, names, null, null);
  }

  /** The failing check and the last line of its output, for messages and reports. */
  public String describeFailing() {
    if (failing == null) {
      return "";
    }
    String out = output == null ? "" : output.strip();
    int nl = out.lastIndexOf('\n');
    out = nl < 0 ? out : out.substring(nl + 1);
    return "check '" + failing + "'" + (out.isEmpty() ? "" : ": " + out);
  }
}
