package org.kvexpress.ops;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.kvexpress.core.Canonicalizer;
import org.kvexpress.core.Checksum;
import org.kvexpress.core.Encoding;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Meta;
import org.kvexpress.core.NodeReport;
import org.kvexpress.core.Reason;
import org.kvexpress.core.Result;
import org.kvexpress.core.Version;
import org.kvexpress.kv.KvEntry;
import org.kvexpress.kv.KvStore;
import org.kvexpress.version.Committed;
import org.kvexpress.version.KeySnapshot;
import org.kvexpress.version.Proposal;
import org.kvexpress.version.Rules;
import org.kvexpress.version.Stored;
import org.kvexpress.version.VersionReader;
import org.kvexpress.version.VersionStore;

/**
 * {@code promote} and {@code discard}: the end of a staged rollout. Promote makes the staged
 * version current (the replaced one becomes last) in one guarded transaction that also removes the
 * staged keys, but only when the canaries that report hold it with a successful reload; discard
 * drops it.
 */
public final class PromoteService {
  /**
   * What a promote did: from which checksum to which, the canaries that hold it, the new data's
   * index.
   */
  public record Promoted(String from, String to, List<String> canaries, long index) {}

  /**
   * One canary's state for the staged version: whether it holds it, and if not, what it reported.
   */
  public record Canary(String host, boolean holds, String state) {}

  private final KvStore store;
  private final Clock clock;
  private final String hostname;

  public PromoteService(KvStore store, Clock clock, String hostname) {
    this.store = store;
    this.clock = clock;
    this.hostname = hostname;
  }

  /**
   * The canaries' reports about {@code stagedChecksum}: a canary holds it when the file on its disk
   * has that checksum, its last run applied it or found it current, and its reload (if any)
   * succeeded.
   */
  public static List<Canary> canaries(
      List<KvEntry> reports, String nodesDir, String stagedChecksum) {
    List<Canary> out = new ArrayList<>();
    for (KvEntry e : reports) {
      NodeReport r = NodeReport.parse(e.value());
      if (r == null || !r.isCanary() || !e.key().startsWith(nodesDir)) {
        continue;
      }
      boolean holds =
          stagedChecksum != null
              && stagedChecksum.equals(r.checksum())
              && Result.holds(r.result())
              && (r.reloadExit() == null || r.reloadExit() == 0);
      String state =
          r.result()
              + (r.reason() == null ? "" : " " + r.reason())
              + (r.reloadExit() == null || r.reloadExit() == 0
                  ? ""
                  : " reload exit " + r.reloadExit())
              + ", holds "
              + (r.checksum() == null ? "nothing" : Checksum.shortForm(r.checksum()));
      out.add(new Canary(e.key().substring(nodesDir.length()), holds, state));
    }
    return out;
  }

  public Promoted promote(KeyLayout layout, boolean force, int minCanaries)
      throws InterruptedException {
    VersionStore versions = new VersionStore(store, clock, hostname);
    KeySnapshot s = versions.read(layout);
    KeySnapshot.Staged staged = s.staged();
    if (!staged.exists() || staged.checksumText() == null) {
      throw KvexpressException.because(
          Reason.NOTHING_STAGED,
          "nothing staged under "
              + layout.stagedDir()
              + "; stage a version with 'kvexpress in -k "
              + layout.key()
              + " --stage'");
    }
    String to = staged.checksumText();
    // The staged version must verify (every chunk of a chunked one) before it reaches every node.
    byte[] plain =
        VersionReader.of(store)
            .verified(
                layout,
                staged.data(),
                to,
                Encoding.MAX_DECODED_BYTES,
                layout.stagedData(),
                layout.stagedChecksum(),
                "refusing to promote it");
    List<Canary> canaries =
        canaries(store.list(layout.nodesDir()).entries(), layout.nodesDir(), to);
    List<String> holding = canaries.stream().filter(Canary::holds).map(Canary::host).toList();
    List<String> notReady =
        canaries.stream()
            .filter(c -> !c.holds())
            .map(c -> c.host() + " (" + c.state() + ")")
            .toList();
    if (!force && !notReady.isEmpty()) {
      throw KvexpressException.because(
          Reason.CANARIES,
          notReady.size()
              + " of "
              + canaries.size()
              + " canaries do "
              + "not hold the staged version "
              + Checksum.shortForm(to)
              + " with a successful reload: "
              + String.join(", ", notReady)
              + "; wait for them, 'kvexpress discard -k "
              + layout.key()
              + "', or --force");
    }
    if (!force && holding.size() < minCanaries) {
      throw KvexpressException.because(
          Reason.CANARIES,
          holding.size()
              + " canaries report holding the staged version "
              + Checksum.shortForm(to)
              + ", fewer than --min-canaries "
              + minCanaries
              + " (canaries run out --canary "
              + "--report); wait for them, or --force");
    }
    Meta stagedMeta = staged.parsedMeta();
    String source =
        "promoted"
            + (stagedMeta == null
                ? ""
                : " (staged "
                    + stagedMeta.time()
                    + " by "
                    + stagedMeta.host()
                    + " from "
                    + stagedMeta.source()
                    + ")");
    Proposal proposal =
        new Proposal(
            Stored.inPlace(new Version(staged.data().value(), staged.data().flags(), to)),
            Canonicalizer.countLines(plain),
            plain.length,
            source,
            staged.signature() == null ? null : staged.signature().value(),
            List.of(staged.data(), staged.checksum()),
            layout.stagedKeys());
    Committed c = versions.commit(layout, s, seen -> proposal, Rules.promote(layout));
    return new Promoted(s.checksumText(), to, holding, c.index());
  }

  /**
   * Drops the staged version; false when there was none. Canaries then return to the current
   * version.
   */
  public boolean discard(KeyLayout layout) {
    VersionStore versions = new VersionStore(store, clock, hostname);
    for (int attempt = 0; attempt < 5; attempt++) {
      KeySnapshot s = versions.read(layout);
      if (!s.staged().exists()) {
        return false;
      }
      if (versions.discard(s)) {
        return true;
      }
    }
    throw KvexpressException.because(
        Reason.CONFLICT, layout.stagedDir() + " keeps changing; run discard again");
  }
}
