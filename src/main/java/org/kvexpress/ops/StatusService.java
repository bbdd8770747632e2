package org.kvexpress.ops;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.kvexpress.brakes.SlotsListing;
import org.kvexpress.core.Canonicalizer;
import org.kvexpress.core.Encoding;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.KeyNames;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Manifest;
import org.kvexpress.core.Meta;
import org.kvexpress.core.NodeReport;
import org.kvexpress.core.Reason;
import org.kvexpress.core.Result;
import org.kvexpress.kv.KvEntry;
import org.kvexpress.kv.KvListing;
import org.kvexpress.kv.KvStore;
import org.kvexpress.sign.SignedStatement;
import org.kvexpress.version.KeySnapshot;
import org.kvexpress.version.VersionReader;

/** {@code status}: every key under the prefix (or one), from a single recurse read. */
public final class StatusService {
  /** The whole picture: keys and node locks. */
  /**
   * The prefix's keys and node locks; {@code skipped}: names under the prefix that cannot be
   * kvexpress keys (another tool's), left out rather than failing the listing.
   */
  public record Status(
      String prefix, List<KeyStatus> keys, List<NodeLock> locks, List<String> skipped) {}

  private static final List<String> PARTS =
      List.of(KeyLayout.DATA, KeyLayout.CHECKSUM, KeyLayout.LAST, KeyLayout.META, KeyLayout.STOP);

  private final KvStore store;
  private final Clock clock;

  public StatusService(KvStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  public Status status(String prefix, String onlyKey) {
    return status(prefix, onlyKey, false);
  }

  /**
   * With {@code latency}, each key also carries its current version's propagation ({@code status
   * --latency}).
   */
  public Status status(String prefix, String onlyKey, boolean latency) {
    // One key's status lists only that key's folder, so that with acl.enable_key_list_policy a
    // token needs key:list on it alone (docs/acl.md).
    KvListing listing = store.list(prefix + "/" + (onlyKey == null ? "" : onlyKey + "/"));
    Map<String, Boolean> keys = new TreeMap<>();
    List<NodeLock> locks = new ArrayList<>();
    Set<String> skipped = new TreeSet<>();
    String locksDir = prefix + "/locks/";
    for (KvEntry e : listing.entries()) {
      String k = e.key();
      if (k.startsWith(locksDir)) {
        // <sha256(file)>/<host>; a lock's /until child (when a --for ends) is not a lock.
        String[] rest = k.substring(locksDir.length()).split("/", -1);
        if (rest.length == 2) {
          locks.add(new NodeLock(rest[0], rest[1], new String(e.value(), StandardCharsets.UTF_8)));
        }
        continue;
      }
      int slash = k.lastIndexOf('/');
      if (slash > prefix.length()
          && PARTS.contains(k.substring(slash + 1))
          && !k.contains("/" + KeyLayout.NODES + "/")) {
        String key = k.substring(prefix.length() + 1, slash);
        if (key.equals(KeyLayout.STAGED) || key.endsWith("/" + KeyLayout.STAGED)) {
          continue; // a staged version's parts, not a key of its own
        }
        if (KeyNames.isValid(key)) {
          keys.put(key, true);
        } else {
          skipped.add(key);
        }
      }
    }
    if (keys.isEmpty() || onlyKey != null && !keys.containsKey(onlyKey)) {
      // A recurse GET leaves out what the token may not read: prove that the folder itself may be
      // read (its folder key answers 404 then, 403 otherwise) before saying nothing is published.
      store.get(prefix + "/" + (onlyKey == null ? "" : onlyKey + "/"));
    }
    if (onlyKey != null && !keys.containsKey(onlyKey)) {
      throw KvexpressException.because(
          Reason.NOTHING_PUBLISHED,
          "nothing published under "
              + prefix
              + "/"
              + onlyKey
              + "/; 'kvexpress status' lists what is");
    }
    List<KeyStatus> out = new ArrayList<>();
    for (String key : keys.keySet()) {
      if (onlyKey == null || onlyKey.equals(key)) {
        KeyStatus k =
            describe(
                // A listing leaves out what the token may not read: every absence is proven, in one
                // request per key that lacks any of its parts.
                KeySnapshot.of(store, new KeyLayout(prefix, key), listing).confirmed(),
                clock.instant(),
                listing::find,
                latency,
                slots(new KeyLayout(prefix, key), listing));
        out.add(k);
      }
    }
    return new Status(prefix, out, onlyKey == null ? locks : List.of(), List.copyOf(skipped));
  }

  /**
   * One key; {@code chunks} finds a chunked version's chunks (in the listing already read); with
   * {@code latency}, how its current version spread.
   */
  static KeyStatus describe(
      KeySnapshot s,
      Instant now,
      Function<String, Optional<KvEntry>> chunks,
      boolean latency,
      KeyStatus.Slots slots) {
    String checksum = s.checksumText();
    Meta meta = s.currentMeta();
    Integer lines = null;
    Long bytes = null;
    String encoding = null;
    boolean verified = false;
    Integer chunkCount = null;
    if (s.data() != null) {
      VersionReader reader = new VersionReader(chunks);
      try {
        if (s.data().flags() == Manifest.FLAGS) {
          Manifest m = Manifest.parse(s.data().value(), s.layout().data());
          chunkCount = m.chunks().size();
          encoding = m.encoding();
          bytes = m.bytes();
        } else {
          encoding = Encoding.fromFlags(s.data().flags()).label();
        }
        byte[] plain;
        try {
          plain =
              reader.verified(
                  s.layout(),
                  s.data(),
                  checksum,
                  Encoding.MAX_DECODED_BYTES,
                  s.layout().data(),
                  s.layout().checksum(),
                  null);
          verified = true;
        } catch (KvexpressException notVerified) {
          if (notVerified.reason() != Reason.CHECKSUM_MISMATCH
              || s.data().flags() == Manifest.FLAGS) {
            throw notVerified;
          }
          plain = reader.shown(s.layout(), s.data(), Encoding.MAX_DECODED_BYTES);
        }
        lines = Canonicalizer.countLines(plain);
        bytes = bytes != null ? bytes : (long) plain.length;
      } catch (KvexpressException e) {
        // shown as not verified
        if (encoding == null) {
          encoding = "unknown(" + Long.toUnsignedString(s.data().flags()) + ")";
        }
      }
    }
    String publishedAt = meta != null ? meta.time() : null;
    List<NodeStatus> nodes = nodes(s, checksum, publishedAt, now);
    int current = (int) nodes.stream().filter(NodeStatus::current).count();
    int failing =
        (int) nodes.stream().filter(n -> !n.current() && !Result.holds(n.result())).count();
    return new KeyStatus(
        s.layout().key(),
        lines,
        bytes,
        encoding,
        checksum,
        s.data() == null ? 0 : s.data().modifyIndex(),
        publishedAt,
        meta != null ? meta.host() : null,
        s.stopReason(),
        s.stopExpired(now),
        s.last() != null,
        verified,
        chunkCount,
        signature(s),
        staged(s),
        new KeyStatus.Convergence(current, nodes.size(), nodes.size() - current, failing),
        nodes,
        latency ? latency(nodes) : null,
        slots);
  }

  /** The key's reload slots in the listing: who holds one, how many wait; null when none. */
  static KeyStatus.Slots slots(KeyLayout layout, KvListing listing) {
    SlotsListing slots = SlotsListing.of(layout, listing.entries());
    if (slots.contenders().isEmpty()) {
      return null;
    }
    List<String> holding = slots.holdingHosts();
    return new KeyStatus.Slots(holding, slots.contenders().size() - holding.size());
  }

  private static KeyStatus.Staged staged(KeySnapshot s) {
    if (!s.staged().exists()) {
      return null;
    }
    Meta m = s.staged().parsedMeta();
    return new KeyStatus.Staged(
        s.staged().checksumText(),
        m == null ? null : m.time(),
        m == null ? null : m.host(),
        PromoteService.canaries(s.nodes(), s.layout().nodesDir(), s.staged().checksumText()));
  }

  /** The propagation of the current version, from the nodes' reports. */
  static Latency latency(List<NodeStatus> nodes) {
    List<Latency.Node> delays = new ArrayList<>();
    List<String> notHolding = new ArrayList<>();
    int holding = 0;
    for (NodeStatus n : nodes) {
      if (!n.current()) {
        notHolding.add(n.host());
        continue;
      }
      holding++;
      if (n.latencySeconds() != null) {
        delays.add(new Latency.Node(n.host(), n.latencySeconds()));
      }
    }
    return Latency.of(holding, nodes.size(), delays, notHolding);
  }

  private static KeyStatus.Signature signature(KeySnapshot s) {
    SignedStatement st =
        s.signature() == null ? null : SignedStatement.parse(s.signature().value());
    if (st == null) {
      return s.signature() == null
          ? null
          : new KeyStatus.Signature("(unreadable)", null, null, null, false);
    }
    return new KeyStatus.Signature(
        st.signer(),
        st.fingerprint(),
        st.time(),
        st.publisher(),
        st.covers(s.layout(), s.checksumText()));
  }

  /**
   * Every node report of the key; a node is current when the file on its disk has the published
   * checksum.
   */
  private static List<NodeStatus> nodes(
      KeySnapshot s, String checksum, String publishedAt, Instant now) {
    List<NodeStatus> out = new ArrayList<>();
    for (KvEntry e : s.nodes()) {
      String host = e.key().substring(s.layout().nodesDir().length());
      NodeReport r = NodeReport.parse(e.value());
      if (r == null || host.isEmpty()) {
        continue;
      }
      boolean current = checksum != null && checksum.equals(r.checksum());
      Long lag = null;
      if (!current && publishedAt != null) {
        try {
          lag = Math.max(0, Duration.between(Instant.parse(publishedAt), now).toSeconds());
        } catch (DateTimeParseException ignored) {
          // unknown publish time: unknown lag
        }
      }
      // A delay counts only for the version published now: one the node wrote for an older version
      // says nothing about this one.
      Double latency =
          current && publishedAt != null && publishedAt.equals(r.publishedAt())
              ? r.latencySeconds()
              : null;
      out.add(
          new NodeStatus(
              host,
              r.checksum(),
              r.result(),
              r.reason(),
              r.reloadExit(),
              r.time(),
              current,
              lag,
              r.isCanary() ? Boolean.TRUE : null,
              latency));
    }
    return out;
  }
}
