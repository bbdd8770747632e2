package org.kvexpress.ops;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * The propagation of one version across the fleet ({@code status --latency}): how many reporting
 * nodes hold it, the publish-to-apply delays of those that wrote it (percentiles by nearest rank, a
 * histogram), the slowest nodes, and the nodes that do not hold it. Pure.
 */
public record Latency(
    int holding,
    int reporting,
    Integer measured,
    Double p50,
    Double p90,
    Double p99,
    Double max,
    List<Bucket> histogram,
    List<Node> slowest,
    List<String> notHolding) {

  /**
   * Nodes whose delay was at most {@code le} seconds (and above the previous bucket's); le null:
   * slower.
   */
  public record Bucket(Double le, int count) {}

  /** One node's delay in seconds. */
  public record Node(String host, double seconds) {}

  /** Bucket bounds in seconds; the last bucket holds everything slower. */
  static final double[] BOUNDS = {
    0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, Double.POSITIVE_INFINITY
  };

  /** How many of the slowest nodes are named. */
  static final int SLOWEST = 5;

  public static Latency of(int holding, int reporting, List<Node> delays, List<String> notHolding) {
    List<Node> sorted = new ArrayList<>(delays);
    sorted.sort(Comparator.comparingDouble(Node::seconds));
    List<Bucket> histogram = new ArrayList<>();
    int from = 0;
    for (double le : BOUNDS) {
      int n = 0;
      while (from < sorted.size() && sorted.get(from).seconds() <= le) {
        n++;
        from++;
      }
      histogram.add(new Bucket(Double.isInfinite(le) ? null : le, n));
    }
    List<Node> slowest =
        new ArrayList<>(sorted.subList(Math.max(0, sorted.size() - SLOWEST), sorted.size()));
    Collections.reverse(slowest);
    return new Latency(
        holding,
        reporting,
        sorted.size(),
        rank(sorted, 50),
        rank(sorted, 90),
        rank(sorted, 99),
        sorted.isEmpty() ? null : sorted.get(sorted.size() - 1).seconds(),
        histogram,
        slowest,
        List.copyOf(notHolding));
  }

  /**
   * The nearest-rank percentile: the smallest delay that at least p% of the nodes do not exceed.
   */
  static Double rank(List<Node> sorted, int p) {
    if (sorted.isEmpty()) {
      return null;
    }
    int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, index)).seconds();
  }
}
