package org.kvexpress.ops;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.kvexpress.core.Canonicalizer;
import org.kvexpress.core.Encoding;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Meta;
import org.kvexpress.core.Reason;
import org.kvexpress.core.Result;
import org.kvexpress.exec.CommandRunner;
import org.kvexpress.kv.KvStore;
import org.kvexpress.log.Log;
import org.kvexpress.publish.PublishInput;
import org.kvexpress.publish.PublishResult;
import org.kvexpress.publish.Publisher;
import org.kvexpress.sign.TrustedKeys;
import org.kvexpress.version.KeySnapshot;
import org.kvexpress.version.VersionReader;

/**
 * {@code kvexpress replicate}: keeps other datacenters at the source datacenter's current version
 * of a key. Only a verified version crosses (its checksum matches its data, every chunk included,
 * and it has at least the minimum lines, and with trusted keys a valid signature, which travels
 * with it); it is committed in each destination by the same guarded publish as {@code in} (the
 * destination's stop key, its concurrent writers, exactly-once), with the source's publish time, so
 * it is never older than what the destination holds: a destination whose version was published
 * later (there, or replicated from a later source version) is left alone. A source that shows no
 * version (a leader election, ACL filtering, a restore) replicates nothing: nothing is ever
 * deleted.
 */
public final class Replicator {
  /** What one destination came to in one pass. */
  public enum Step {
    COPIED,
    CURRENT,
    NEWER_THERE,
    HALTED,
    UNREACHABLE,
    FAILED
  }

  /**
   * One destination after one pass: the step, what to say, and how long it has been behind the
   * source's version (null when it holds it).
   */
  public record DestResult(String dc, Step step, String detail, Long behindSeconds) {}

  /** One pass: the source's checksum (null: nothing to replicate, and why) and each destination. */
  public record Pass(String checksum, String skipped, List<DestResult> destinations) {}

  private final Function<String, KvStore> stores;
  private final CommandRunner runner;
  private final Log log;
  private final Clock clock;
  private final String hostname;

  /** {@code stores} opens (or returns) the store of a datacenter. */
  public Replicator(
      Function<String, KvStore> stores,
      CommandRunner runner,
      Log log,
      Clock clock,
      String hostname) {
    this.stores = stores;
    this.runner = runner;
    this.log = log;
    this.clock = clock;
    this.hostname = hostname;
  }

  /**
   * Reads the source's version of {@code layout}'s key, verifies it, and brings each destination
   * up.
   */
  public Pass pass(KeyLayout layout, String from, List<String> to, int minLines)
      throws InterruptedException {
    return pass(layout, from, to, minLines, null);
  }

  /**
   * {@link #pass(KeyLayout, String, List, int)}; with {@code trust}, only a version signed by one
   * of its keys crosses. The source's signature always travels with the version, so nodes with
   * {@code --trust-key} in the destination accept it.
   */
  public Pass pass(KeyLayout layout, String from, List<String> to, int minLines, TrustedKeys trust)
      throws InterruptedException {
    KvStore source = stores.apply(from);
    KeySnapshot s = KeySnapshot.read(source, layout);
    if (s.data() == null || s.checksumText() == null || s.checksumText().isEmpty()) {
      return new Pass(null, "the source shows no version (never read as a deletion)", List.of());
    }
    String checksum = s.checksumText();
    byte[] signature = s.signature() == null ? null : s.signature().value();
    if (trust != null) {
      try {
        trust.verify(signature, layout, checksum);
      } catch (KvexpressException e) {
        return new Pass(null, "not replicated: " + e.getMessage(), List.of());
      }
    }
    byte[] content =
        VersionReader.of(source)
            .verified(
                layout,
                s.data(),
                checksum,
                Encoding.MAX_DECODED_BYTES,
                "data under " + layout.data() + " in " + from,
                layout.checksum(),
                "nothing is replicated");
    int lines = Canonicalizer.countLines(content);
    if (lines < minLines) {
      return new Pass(
          null,
          "the source's version has " + lines + " lines, fewer than -l " + minLines,
          List.of());
    }
    Meta meta = s.currentMeta();
    Instant published = meta == null ? null : time(meta.time());
    List<DestResult> results = new ArrayList<>();
    for (String dc : to) {
      results.add(bring(layout, dc, from, content, s, published, minLines, signature));
    }
    return new Pass(checksum, null, results);
  }

  private DestResult bring(
      KeyLayout layout,
      String dc,
      String from,
      byte[] content,
      KeySnapshot source,
      Instant published,
      int minLines,
      byte[] signature)
      throws InterruptedException {
    String checksum = source.checksumText();
    Long behind =
        published == null
            ? null
            : Math.max(0, Duration.between(published, clock.instant()).toSeconds());
    try {
      KvStore dest = stores.apply(dc);
      KeySnapshot d = KeySnapshot.read(dest, layout);
      if (checksum.equals(d.checksumText())) {
        return new DestResult(dc, Step.CURRENT, null, null);
      }
      Meta there = d.currentMeta();
      Instant thereTime = there == null ? null : time(there.time());
      if (thereTime != null && (published == null || !published.isAfter(thereTime))) {
        return new DestResult(
            dc,
            Step.NEWER_THERE,
            "holds a version published at " + thereTime + ", not before the source's",
            null);
      }
      // The destination's meta gets the source's publish time: "newer" compares publish times.
      Clock at = Clock.fixed(published == null ? clock.instant() : published, clock.getZone());
      PublishResult r =
          new Publisher(dest, runner, log, at, hostname)
              .publish(
                  new PublishInput(
                      layout,
                      new PublishInput.Input(content, "replicated from " + from, true),
                      new PublishInput.Guards(minLines, null, false, Encoding.MAX_DECODED_BYTES),
                      new PublishInput.Storing(
                          source.data().flags() == Encoding.GZIP.flags(),
                          null,
                          false,
                          false,
                          signature),
                      new PublishInput.Run(false, false, null, Duration.ofSeconds(30))));
      if (!checksum.equals(r.checksum())) {
        throw KvexpressException.because(
            Reason.INTERNAL,
            "the replicated version's checksum "
                + r.checksum()
                + " is not the source's "
                + checksum);
      }
      return new DestResult(
          dc,
          r.outcome() == Result.UNCHANGED ? Step.CURRENT : Step.COPIED,
          r.outcome().word(),
          null);
    } catch (KvexpressException e) {
      Step step =
          e.kind() == KvexpressException.Kind.HALTED
              ? Step.HALTED
              : e.reason().noAnswer() ? Step.UNREACHABLE : Step.FAILED;
      return new DestResult(dc, step, e.getMessage(), behind);
    }
  }

  private static Instant time(String iso) {
    try {
      return iso == null ? null : Instant.parse(iso);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
