package org.kvexpress.ops;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.kvexpress.brakes.SlotsListing;
import org.kvexpress.core.Checksum;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.NodeReport;
import org.kvexpress.core.Reason;
import org.kvexpress.kv.KvEntry;
import org.kvexpress.kv.KvListing;
import org.kvexpress.kv.KvStore;
import org.kvexpress.kv.TxnOp;
import org.kvexpress.version.KeySnapshot;

/**
 * {@code kvexpress rollout}: follows a version across the fleet from the node reports and the
 * reload slots (a blocking query on the reports' folder), and brakes without a human: when enough
 * nodes fail it, the stop key is written (naming the version and the failing nodes), so no node
 * that has not applied it ever does; with {@code rollback}, the previous version is then made
 * current and the stop lifted (only if it is still this rollout's), so the nodes that took the bad
 * version go back. For a staged version, promotes it once enough canaries have been healthy long
 * enough, or discards (or stops) it when one fails.
 */
public final class RolloutService {
  /** The longest blocking query: the view is redrawn at least this often. */
  private static final Duration TICK = Duration.ofSeconds(1);

  /**
   * The brakes: halt after {@code haltAfter} failed nodes or {@code haltPercent} percent of the
   * reporting ones (0: never); {@code rollback} after halting; for a staged version, promote once
   * {@code minCanaries} canaries have held it for {@code promoteAfter} (null: do not follow the
   * staged version), and on a failing canary stop instead of discarding when {@code
   * stopOnCanaryFailure}; give up after {@code timeout}.
   */
  public record Plan(
      int haltAfter,
      int haltPercent,
      boolean rollback,
      Duration promoteAfter,
      int minCanaries,
      boolean stopOnCanaryFailure,
      Duration timeout) {}

  /** How a rollout ended. */
  public enum End {
    /** Every reporting node holds the version. */
    EVERYWHERE,
    /** This rollout timings: stopped (and perhaps rolled back), or discarded a staged version. */
    BRAKED,
    /** Someone else stopped the key. */
    STOPPED,
    /** Not everywhere within the timeout, or a newer version replaced it. */
    FAILED
  }

  /** The end, the last progress seen, and what to say about it. */
  public record Ended(End end, RolloutProgress progress, String message) {}

  /** Where the progress goes: the terminal, plain lines or JSON. */
  public interface View {
    void show(String phase, RolloutProgress progress);
  }

  private final KvStore store;
  private final Clock clock;
  private final String hostname;

  public RolloutService(KvStore store, Clock clock, String hostname) {
    this.store = store;
    this.clock = clock;
    this.hostname = hostname;
  }

  /**
   * Follows {@code layout}'s version (the staged one first, with a promote plan) until it is
   * everywhere, timings, stopped, or the timeout ends; {@code stopValue} turns a reason into the
   * stop key's value (with who and when).
   */
  public Ended follow(KeyLayout layout, Plan plan, Function<String, String> stopValue, View view)
      throws InterruptedException {
    Instant deadline = clock.instant().plus(plan.timeout());
    KeySnapshot s = KeySnapshot.of(store, layout, store.getAll(layout.versionKeys()));
    if (plan.promoteAfter() != null) {
      Ended canaries = canaries(layout, plan, s, stopValue, view, deadline);
      if (canaries != null) {
        return canaries;
      }
      s = KeySnapshot.of(store, layout, store.getAll(layout.versionKeys()));
    }
    String version = s.checksumText();
    if (version == null) {
      throw s.nothingPublished();
    }
    long index = 0;
    RolloutProgress p = null;
    while (true) {
      KvListing reports = reports(layout, index);
      index = KvStore.nextIndex(index, reports.index());
      s = KeySnapshot.of(store, layout, store.getAll(List.of(layout.checksum(), layout.stop())));
      p = RolloutProgress.of(version, reports.entries(), layout.nodesDir(), reloading(layout));
      view.show("rollout", p);
      KvEntry stop = s.stop();
      if (stop != null) {
        return new Ended(
            End.STOPPED,
            p,
            layout.stop() + " is set: " + KeySnapshot.reason(stop) + "; the rollout stops here");
      }
      if (!version.equals(s.checksumText())) {
        return new Ended(
            End.FAILED,
            p,
            "a newer version "
                + Checksum.shortForm(s.checksumText())
                + " replaced "
                + Checksum.shortForm(version)
                + "; follow it with 'kvexpress rollout -k "
                + layout.key()
                + "'");
      }
      int failed = p.count(RolloutProgress.State.FAILED);
      boolean brake =
          failed > 0
              && (plan.haltAfter() > 0 && failed >= plan.haltAfter()
                  || plan.haltPercent() > 0
                      && failed * 100 >= plan.haltPercent() * p.nodes().size());
      if (brake) {
        return halt(layout, plan, version, p, stopValue);
      }
      if (p.everywhere()) {
        return new Ended(
            End.EVERYWHERE,
            p,
            Checksum.shortForm(version) + " is on all " + p.nodes().size() + " reporting nodes");
      }
      if (!clock.instant().isBefore(deadline)) {
        return new Ended(
            End.FAILED,
            p,
            Checksum.shortForm(version)
                + " is not everywhere after --timeout "
                + plan.timeout().toSeconds()
                + " s: "
                + p.line());
      }
    }
  }

  /**
   * The canary phase: promote once {@code minCanaries} canaries hold the staged version for {@code
   * promoteAfter} and none failed it; discard (or stop) when one did. Null after promoting.
   */
  private Ended canaries(
      KeyLayout layout,
      Plan plan,
      KeySnapshot s,
      Function<String, String> stopValue,
      View view,
      Instant deadline)
      throws InterruptedException {
    String staged = s.staged().exists() ? s.staged().checksumText() : null;
    if (staged == null) {
      throw KvexpressException.because(
          Reason.NOTHING_STAGED,
          "nothing staged under "
              + layout.stagedDir()
              + "; --promote-after follows a version staged with 'kvexpress in -k "
              + layout.key()
              + " --stage'");
    }
    long index = 0;
    while (true) {
      KvListing reports = reports(layout, index);
      index = KvStore.nextIndex(index, reports.index());
      List<KvEntry> canaryReports =
          reports.entries().stream()
              .filter(
                  e -> {
                    NodeReport r = NodeReport.parse(e.value());
                    return r != null && r.isCanary();
                  })
              .toList();
      RolloutProgress p =
          RolloutProgress.of(staged, canaryReports, layout.nodesDir(), reloading(layout));
      view.show("canaries", p);
      List<RolloutProgress.Node> failed = p.in(RolloutProgress.State.FAILED);
      if (!failed.isEmpty()) {
        String why =
            "canary "
                + failed.get(0).host()
                + " failed staged version "
                + Checksum.shortForm(staged)
                + ": "
                + failed.get(0).detail();
        if (plan.stopOnCanaryFailure()) {
          new StopService(store).stop(layout, stopValue.apply("rollout: " + why), null);
          return new Ended(End.BRAKED, p, why + "; stopped " + layout.key());
        }
        new PromoteService(store, clock, hostname).discard(layout);
        return new Ended(End.BRAKED, p, why + "; discarded it");
      }
      Instant now = clock.instant();
      long healthy =
          p.in(RolloutProgress.State.APPLIED).stream()
              .filter(n -> heldSince(n.appliedAt(), now, plan.promoteAfter()))
              .count();
      if (healthy >= plan.minCanaries() && plan.minCanaries() > 0) {
        new PromoteService(store, clock, hostname).promote(layout, false, plan.minCanaries());
        view.show("promoted", p);
        return null;
      }
      if (!now.isBefore(deadline)) {
        return new Ended(
            End.FAILED,
            p,
            healthy
                + " of --min-canaries "
                + plan.minCanaries()
                + " canaries held "
                + Checksum.shortForm(staged)
                + " for --promote-after within --timeout; it stays staged");
      }
    }
  }

  private static boolean heldSince(String appliedAt, Instant now, Duration d) {
    try {
      return appliedAt != null && !Instant.parse(appliedAt).plus(d).isAfter(now);
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  /**
   * The brake: the stop key (so no node that has not applied the version does), then with {@code
   * rollback} the previous version made current and this rollout's stop lifted (a stop someone else
   * wrote meanwhile stays).
   */
  private Ended halt(
      KeyLayout layout,
      Plan plan,
      String version,
      RolloutProgress p,
      Function<String, String> stopValue)
      throws InterruptedException {
    List<String> failing =
        p.in(RolloutProgress.State.FAILED).stream().map(RolloutProgress.Node::host).toList();
    String why =
        "rollout halted "
            + Checksum.shortForm(version)
            + " after "
            + failing.size()
            + " node(s) failed it: "
            + String.join(", ", failing);
    new StopService(store).stop(layout, stopValue.apply(why), null);
    KvEntry ours = store.get(layout.stop()).orElse(null);
    if (!plan.rollback()) {
      return new Ended(
          End.BRAKED, p, why + "; stopped " + layout.key() + " (resume it when fixed)");
    }
    RollbackService.Result r = new RollbackService(store, clock, hostname).rollback(layout, null);
    boolean lifted =
        ours != null
            && store
                .txn(
                    List.of(
                        TxnOp.deleteCas(layout.stop(), ours.modifyIndex()),
                        TxnOp.delete(layout.stopUntil())))
                .committed();
    return new Ended(
        End.BRAKED,
        p,
        why
            + "; rolled back to "
            + Checksum.shortForm(r.to())
            + (lifted
                ? " and resumed, so nodes that took it go back"
                : "; the key stays stopped (its stop changed meanwhile)"));
  }

  /**
   * The node reports, at once ({@code index} 0) or when they change (a blocking query of at most
   * {@link #TICK}, so the view is redrawn and the clock checked at least that often).
   */
  private KvListing reports(KeyLayout layout, long index) {
    return index == 0
        ? store.list(layout.nodesDir())
        : store.watch(layout.nodesDir(), true, index, TICK);
  }

  /** The hosts holding a reload slot of the key now. */
  private Set<String> reloading(KeyLayout layout) {
    SlotsListing slots = SlotsListing.of(layout, store.list(layout.slotsDir()).entries());
    return new HashSet<>(slots.holdingHosts());
  }
}
