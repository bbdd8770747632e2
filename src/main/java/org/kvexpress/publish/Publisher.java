package org.kvexpress.publish;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.kvexpress.core.Canonical;
import org.kvexpress.core.Canonicalizer;
import org.kvexpress.core.Encoding;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Meta;
import org.kvexpress.core.Reason;
import org.kvexpress.core.UnifiedDiff;
import org.kvexpress.core.Version;
import org.kvexpress.exec.CommandRunner;
import org.kvexpress.kv.ConsulLimits;
import org.kvexpress.kv.KeySnapshot;
import org.kvexpress.kv.KvStore;
import org.kvexpress.kv.VersionStore;
import org.kvexpress.log.Fields;
import org.kvexpress.log.Log;

/**
 * The {@code in} pipeline: snapshot, stop check, canonicalize, guards, unchanged check, encode, atomic
 * publish, exec. Each step is a method; refusals and halts are thrown as KvexpressException.
 *
 * <p>Atomicity: data, checksum, last and meta are written in one /v1/txn guarded by check-index on what
 * the snapshot saw and check-not-exists on the stop key, so readers never see data and checksum disagree
 * and concurrent publishers cannot interleave. When data and last together exceed a transaction, last is
 * written first in its own guarded transaction (it then holds the current version, which was published
 * before), and the new version follows in a second one.
 */
public final class Publisher {
  private static final String COMPONENT = "in";

  private final VersionStore versions;
  private final CommandRunner runner;
  private final Log log;
  private final Clock clock;
  private final String hostname;

  public Publisher(KvStore store, CommandRunner runner, Log log, Clock clock, String hostname) {
    this.versions = new VersionStore(store);
    this.runner = runner;
    this.log = log;
    this.clock = clock;
    this.hostname = hostname;
  }

  /** Steps 2–8 (and 10 for a dry run); the caller has done step 1 (reading the input). */
  public PublishResult publish(PublishInput in) throws InterruptedException {
    KeySnapshot snap = snapshot(in.layout());
    haltIfStopped(snap);
    Canonical canon = canonicalize(in);
    guard(in, canon, snap);
    String checksum = canon.checksum();
    Encoding encoding = in.compress() ? Encoding.GZIP : Encoding.PLAIN;
    if (in.compress() && snap.data() != null && snap.meta() == null) {
      log.warn(COMPONENT, Fields.of("key", in.layout().key()).add("warning", "the published version has no meta, so "
          + "Go kvexpress wrote it and Go nodes may still apply this key; they cannot read gzip data (Flags=2): "
          + "publish without --compress until the last Go node runs this kvexpress"));
    }
    if (checksum.equals(snap.checksumText())) {
      return new PublishResult(PublishResult.Outcome.UNCHANGED, canon, checksum, 0, encoding.label(),
          snap.data() == null ? 0 : snap.data().modifyIndex(), null);
    }
    byte[] encoded = encode(encoding, canon, in.layout());
    byte[] diff = in.dryRun() || in.diff() ? diffAgainstPublished(snap, canon) : null;
    if (in.dryRun()) {
      return new PublishResult(PublishResult.Outcome.WOULD_PUBLISH, canon, checksum, encoded.length,
          encoding.label(), 0, diff);
    }
    PublishResult r = commit(in, canon, checksum, encoding, encoded, snap);
    return new PublishResult(r.outcome(), canon, checksum, r.encodedBytes(), r.encoding(), r.index(), diff);
  }

  /** Step 9: runs {@code -e} after a publish; a failure is reported as exit 1, the publish stays. */
  public void exec(PublishInput in, PublishResult result) throws InterruptedException {
    if (in.exec() == null || result.outcome() != PublishResult.Outcome.PUBLISHED) {
      return;
    }
    CommandRunner.Result r = runner.run(in.exec(), Map.of(
        "KVEXPRESS_KEY", in.layout().key(),
        "KVEXPRESS_PREFIX", in.layout().prefix(),
        "KVEXPRESS_CHECKSUM", result.checksum()), in.execTimeout());
    Fields f = Fields.of("key", in.layout().key()).add("exec_exit", r.timedOut() ? "timeout" : r.exitCode())
        .add("ms", r.took().toMillis()).add("output", r.output().isEmpty() ? null : r.output());
    if (r.succeeded()) {
      log.info(COMPONENT, f);
      return;
    }
    throw KvexpressException.failure(Reason.EXEC_FAILED, r.timedOut()
        ? "published, but -e did not finish within --exec-timeout " + in.execTimeout().toSeconds() + " s and was killed"
        : "published, but -e exited " + r.exitCode() + (r.output().isEmpty() ? "" : ": " + r.lastLine()));
  }

  // ---- steps ----

  KeySnapshot snapshot(KeyLayout layout) {
    return versions.read(layout);
  }

  static void haltIfStopped(KeySnapshot snap) {
    if (snap.stop() != null) {
      throw KvexpressException.halted(Reason.STOP_KEY,
          "stop key " + snap.layout().stop() + " is set: " + snap.stopReason()
          + "; run 'kvexpress resume -k " + snap.layout().key() + "' when it is safe");
    }
  }

  static Canonical canonicalize(PublishInput in) {
    return in.verbatim() ? Canonicalizer.verbatim(in.content()) : Canonicalizer.canonicalize(in.content());
  }

  void guard(PublishInput in, Canonical canon, KeySnapshot snap) {
    if (canon.lines() == 0) {
      throw KvexpressException.refused(Reason.EMPTY_INPUT, "input from " + in.source()
          + " has no non-blank lines; refusing to publish an empty file (check the template's output)");
    }
    if (canon.lines() < in.minLines()) {
      throw KvexpressException.refused(Reason.TOO_FEW_LINES, canon.lines() + " lines, fewer than --min-lines "
          + in.minLines() + "; check the template's output, or lower -l if the file really is this short");
    }
    if (in.maxShrinkPercent() != null && !in.force()) {
      int published = publishedLines(snap);
      if (published > 0) {
        long shrink = (long) (published - canon.lines()) * 100 / published;
        if (shrink > in.maxShrinkPercent()) {
          throw KvexpressException.refused(Reason.SHRINK,
              String.format("%d lines would replace %d (%d%% fewer), more than "
              + "--max-shrink %d%%; pass --force if this is intended", canon.lines(), published, shrink,
              in.maxShrinkPercent()));
        }
      }
    }
  }

  static byte[] encode(Encoding encoding, Canonical canon, KeyLayout layout) {
    if (encoding == Encoding.PLAIN && canon.size() > ConsulLimits.MAX_VALUE_BYTES) {
      throw tooLarge(encoding, canon.size(), (canon.size() + 2) / 3 * 4);
    }
    byte[] encoded = encoding.encode(canon.bytes());
    // The data op alone must fit a transaction: base64 makes the JSON body about 4/3 of the value. A value
    // over the value limit is refused without encoding a (possibly huge) transaction to measure it.
    int txnBytes = encoded.length > ConsulLimits.MAX_VALUE_BYTES ? (encoded.length + 2) / 3 * 4
        : VersionStore.smallestCommitBytes(layout, encoded, encoding.flags());
    if (encoded.length > ConsulLimits.MAX_VALUE_BYTES || txnBytes > ConsulLimits.MAX_TXN_BYTES) {
      throw tooLarge(encoding, encoded.length, txnBytes);
    }
    return encoded;
  }

  private static KvexpressException tooLarge(Encoding encoding, long encodedBytes, long txnBytes) {
    String hint = encoding == Encoding.GZIP
        ? "even compressed it is too large; split the file into several keys"
        : "--compress may help";
    return KvexpressException.refused(Reason.TOO_LARGE, String.format(
        "data is %d bytes (%s), at least %d bytes as a transaction; Consul's limits are %d bytes per value and %d per "
            + "transaction body; %s", encodedBytes, encoding.label(), txnBytes, ConsulLimits.MAX_VALUE_BYTES,
        ConsulLimits.MAX_TXN_BYTES, hint));
  }

  PublishResult commit(PublishInput in, Canonical canon, String checksum, Encoding encoding, byte[] encoded,
      KeySnapshot first) throws InterruptedException {
    KeyLayout layout = in.layout();
    Version next = new Version(encoded, encoding.flags(), checksum);
    VersionStore.Committed c = versions.commit(layout, first, seen -> new VersionStore.Draft(next,
        new Meta(checksum, canon.lines(), canon.size(), encoding.label(), hostname,
            Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString(), in.source(), null, null), List.of()),
        VersionStore.Rules.publish("other publishers keep changing " + layout.dir() + "; try again"));
    return new PublishResult(c.outcome() == VersionStore.Outcome.COMMITTED ? PublishResult.Outcome.PUBLISHED
        : PublishResult.Outcome.UNCHANGED, canon, checksum, encoded.length, encoding.label(), c.index(), null);
  }

  private int publishedLines(KeySnapshot snap) {
    Meta meta = snap.parsedMeta();
    if (meta != null && snap.checksumText() != null && snap.checksumText().equals(meta.checksum())) {
      return meta.lines();
    }
    byte[] current = decodeCurrent(snap);
    return current == null ? 0 : Canonicalizer.countLines(current);
  }

  private static byte[] decodeCurrent(KeySnapshot snap) {
    if (snap.data() == null) {
      return null;
    }
    try {
      return Encoding.fromFlags(snap.data().flags()).decode(snap.data().value(), Encoding.MAX_DECODED_BYTES);
    } catch (KvexpressException e) {
      return null;
    }
  }

  private static byte[] diffAgainstPublished(KeySnapshot snap, Canonical canon) {
    byte[] current = decodeCurrent(snap);
    String label = snap.layout().data();
    return UnifiedDiff.diff(label + " (published)", current == null ? new byte[0] : current, label + " (new)",
        canon.bytes(), 3);
  }

}
