package org.kvexpress.ops;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.kvexpress.core.Checksum;
import org.kvexpress.core.NodeReport;
import org.kvexpress.core.Result;
import org.kvexpress.kv.KvEntry;

/**
 * One look at a version's way across the fleet, from the node reports ({@code out --report}) and
 * the reload slots: which nodes hold it, reload it, wait for a slot, failed it, are halted, or have
 * not got it yet. Pure: built from what was read.
 */
public record RolloutProgress(String version, List<Node> nodes) {

  /** Where one node is with the version. */
  public enum State {
    /** Holds it (applied, or found current; healthy when its node is health-gated). */
    APPLIED,
    /** Holds a reload slot: writing, reloading, or waiting for its checks. */
    RELOADING,
    WAITING_SLOT,
    /** Refused or failed this version: check, reload, health, verification. */
    FAILED,
    /** Halted by the stop key or its lock. */
    HALTED,
    /** Has not reported anything about this version yet. */
    PENDING;

    public String word() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * One node: its state, what it said (the failing check, a note), its publish-to-apply latency
   * (seconds, null when unknown), whether it is a canary and when it applied the version.
   */
  public record Node(
      String host,
      State state,
      String detail,
      Double latencySeconds,
      boolean canary,
      String appliedAt) {}

  public RolloutProgress {
    nodes = List.copyOf(nodes);
  }

  /**
   * The progress of {@code version} (a checksum) from the reports under {@code nodesDir}; {@code
   * reloading} are the hosts holding a reload slot.
   */
  public static RolloutProgress of(
      String version, List<KvEntry> reports, String nodesDir, Set<String> reloading) {
    List<Node> nodes = new ArrayList<>();
    for (KvEntry e : reports) {
      if (!e.key().startsWith(nodesDir)) {
        continue;
      }
      String host = e.key().substring(nodesDir.length());
      NodeReport r = NodeReport.parse(e.value());
      if (r == null || host.isEmpty() || host.contains("/")) {
        continue;
      }
      nodes.add(
          new Node(
              host,
              state(version, r, reloading.contains(host)),
              r.detail(),
              version.equals(r.checksum()) ? r.latencySeconds() : null,
              r.isCanary(),
              version.equals(r.checksum()) ? r.appliedAt() : null));
    }
    nodes.sort(Comparator.comparing(Node::host));
    return new RolloutProgress(version, nodes);
  }

  private static State state(String version, NodeReport r, boolean reloading) {
    Result result = Result.fromWord(r.result());
    boolean aboutIt = version.equals(r.published());
    if (version.equals(r.checksum()) && result != null && result.holds()) {
      return State.APPLIED;
    }
    if (reloading) {
      return State.RELOADING;
    }
    if (result == Result.WAITING_SLOT && aboutIt) {
      return State.WAITING_SLOT;
    }
    if ((result == Result.FAILED || result == Result.REFUSED) && aboutIt) {
      return State.FAILED;
    }
    if (result == Result.HALTED) {
      return State.HALTED;
    }
    return State.PENDING;
  }

  public List<Node> in(State s) {
    return nodes.stream().filter(n -> n.state() == s).toList();
  }

  public int count(State s) {
    return in(s).size();
  }

  /** Every reporting node holds the version (and at least one reports). */
  public boolean everywhere() {
    return !nodes.isEmpty() && count(State.APPLIED) == nodes.size();
  }

  /** The nodes that took longest from publish to apply, slowest first. */
  public List<Node> slowest(int n) {
    return in(State.APPLIED).stream()
        .filter(x -> x.latencySeconds() != null)
        .sorted(Comparator.comparing(Node::latencySeconds).reversed())
        .limit(n)
        .toList();
  }

  /** One plain line: counts, the slowest nodes, the failing ones with why. */
  public String line() {
    StringBuilder b =
        new StringBuilder(Checksum.shortForm(version))
            .append(": ")
            .append(count(State.APPLIED))
            .append('/')
            .append(nodes.size())
            .append(" applied");
    for (State s : List.of(State.RELOADING, State.WAITING_SLOT, State.FAILED, State.HALTED)) {
      if (count(s) > 0) {
        b.append(", ").append(count(s)).append(' ').append(s.word().replace('_', ' '));
      }
    }
    if (count(State.PENDING) > 0) {
      b.append(", ")
          .append(count(State.PENDING))
          .append(" not yet (")
          .append(hosts(in(State.PENDING), 5))
          .append(')');
    }
    List<Node> slow = slowest(3);
    if (!slow.isEmpty()) {
      b.append("; slowest ");
      for (int i = 0; i < slow.size(); i++) {
        b.append(i == 0 ? "" : ", ")
            .append(slow.get(i).host())
            .append(String.format(Locale.ROOT, " %.2f s", slow.get(i).latencySeconds()));
      }
    }
    for (Node n : in(State.FAILED)) {
      b.append("; ").append(n.host()).append(" failed: ").append(n.detail());
    }
    return b.toString();
  }

  private static String hosts(List<Node> nodes, int max) {
    List<String> names = nodes.stream().map(Node::host).limit(max).toList();
    return String.join(", ", names) + (nodes.size() > max ? ", …" : "");
  }

  /** The same, for machines. */
  public JsonObject toJson() {
    JsonObject o = new JsonObject();
    o.addProperty("version", version);
    o.addProperty("nodes", nodes.size());
    for (State s : State.values()) {
      o.addProperty(s.word(), count(s));
    }
    JsonArray list = new JsonArray();
    for (Node n : nodes) {
      JsonObject j = new JsonObject();
      j.addProperty("host", n.host());
      j.addProperty("state", n.state().word());
      if (n.detail() != null) {
        j.addProperty("detail", n.detail());
      }
      if (n.latencySeconds() != null) {
        j.addProperty("latency_seconds", n.latencySeconds());
      }
      if (n.canary()) {
        j.addProperty("canary", true);
      }
      list.add(j);
    }
    o.add("by_node", list);
    return o;
  }
}
