package org.kvexpress.publish;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.kvexpress.core.Canonical;
import org.kvexpress.core.Canonicalizer;
import org.kvexpress.core.Encoding;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Manifest;
import org.kvexpress.core.Meta;
import org.kvexpress.core.Reason;
import org.kvexpress.core.Result;
import org.kvexpress.core.UnifiedDiff;
import org.kvexpress.exec.CommandRunner;
import org.kvexpress.kv.KvStore;
import org.kvexpress.log.Fields;
import org.kvexpress.log.Log;
import org.kvexpress.log.Steps;
import org.kvexpress.sign.SignedStatement;
import org.kvexpress.sign.SigningKey;
import org.kvexpress.version.Committed;
import org.kvexpress.version.KeySnapshot;
import org.kvexpress.version.Proposal;
import org.kvexpress.version.Rules;
import org.kvexpress.version.Stored;
import org.kvexpress.version.VersionReader;
import org.kvexpress.version.VersionStore;

/**
 * The {@code in} pipeline: snapshot, stop check, canonicalize, guards, unchanged check, encode,
 * atomic publish, exec. Each step is a method; refusals and halts are thrown as KvexpressException.
 *
 * <p>Atomicity: data, checksum, last and meta are written in one /v1/txn guarded by check-index on
 * what the snapshot saw and check-not-exists on the stop key, so readers never see data and
 * checksum disagree and concurrent publishers cannot interleave. When data and last together exceed
 * a transaction, last is written first in its own guarded transaction (it then holds the current
 * version, which was published before), and the new version follows in a second one.
 */
public final class Publisher {
  private static final String COMPONENT = "in";

  private final KvStore store;
  private final VersionStore versions;
  private final CommandRunner runner;
  private final Log log;
  private volatile String inFlight;
  private final Clock clock;
  private final String hostname;

  public Publisher(KvStore store, CommandRunner runner, Log log, Clock clock, String hostname) {
    this.store = store;
    this.versions = new VersionStore(store, clock, hostname);
    this.runner = runner;
    this.log = log;
    this.clock = clock;
    this.hostname = hostname;
  }

  /**
   * What a publish stopped now (by a signal) leaves behind, for the line the command logs when it
   * is stopped; null while nothing has been written.
   */
  public String interruptedNote() {
    return inFlight;
  }

  /** Steps 2–8 (and 10 for a dry run); the caller has done step 1 (reading the input). */
  public PublishResult publish(PublishInput in) throws InterruptedException {
    Steps steps = new Steps(log, COMPONENT);
    KeySnapshot snap = snapshot(in.layout());
    steps.done("read the key");
    haltIfStopped(snap, Instant.now(clock), log);
    steps.done("stop key", Fields.of("stopped", false));
    Canonical canon = canonicalize(in);
    steps.done(
        "canonicalize",
        Fields.of("lines", canon.lines())
            .add("bytes", canon.size())
            .add("verbatim", in.input().verbatim()));
    guard(in, canon, snap);
    if (canon.size() > in.guards().maxBytes()) {
      throw KvexpressException.because(
          Reason.TOO_LARGE,
          canon.size()
              + " bytes, more than --max-bytes "
              + in.guards().maxBytes()
              + "; raise --max-bytes (on the nodes' out too) if this file really is that large");
    }
    String checksum = canon.checksum();
    Encoding encoding = in.storing().compress() ? Encoding.GZIP : Encoding.PLAIN;
    if (in.storing().compress() && snap.data() != null && snap.meta() == null) {
      log.warn(
          COMPONENT,
          Fields.of("key", in.layout().key())
              .add(
                  "warning",
                  "the published version has no meta, so "
                      + "Go kvexpress wrote it and Go nodes may still apply this key; they cannot read gzip data (Flags=2): "
                      + "publish without --compress until the last Go node runs this kvexpress"));
    }
    // Milliseconds: status --latency measures publish to apply from this time.
    Instant now = Instant.now(clock).truncatedTo(ChronoUnit.MILLIS);
    if (checksum.equals(snap.checksumText()) && !in.storing().stage()) {
      return unchanged(in, canon, snap, encoding, now);
    }
    if (in.storing().stage()
        && (checksum.equals(snap.staged().checksumText())
            || checksum.equals(snap.checksumText()))) {
      // Staged already, or the current version itself: nothing for canaries to try.
      return new PublishResult(Result.UNCHANGED, canon, checksum, 0, encoding.label(), 0, null);
    }
    Stored stored = VersionStore.encode(in.layout(), canon.bytes(), checksum, encoding);
    byte[] diff = in.run().dryRun() || in.run().diff() ? diffAgainstPublished(snap, canon) : null;
    if (stored.chunked()) {
      refuseChunksOverGo(in, canon, snap);
    }
    if (in.run().dryRun()) {
      return new PublishResult(
          Result.WOULD_PUBLISH,
          canon,
          checksum,
          stored.chunked() ? (int) canon.size() : stored.version().stored().length,
          encoding.label(),
          0,
          diff);
    }
    steps.done(
        "guards and encoding",
        Fields.of("encoding", encoding.label()).add("chunked", stored.chunked()));
    PublishResult r = commit(in, canon, encoding, stored, snap, now);
    steps.done("commit", Fields.of("result", r.outcome()).add("index", r.index()));
    return new PublishResult(
        r.outcome(),
        canon,
        checksum,
        r.encodedBytes(),
        r.encoding(),
        r.index(),
        diff,
        r.current(),
        r.stoppedSince());
  }

  /**
   * The published version already is this content: nothing to do, unless {@code --sign-key} is
   * given and it is not signed by that key (or {@code --resign}), which adds the signature, with
   * the current time (last stays as it is).
   */
  private PublishResult unchanged(
      PublishInput in, Canonical canon, KeySnapshot snap, Encoding encoding, Instant now) {
    PublishResult same =
        new PublishResult(
            Result.UNCHANGED,
            canon,
            canon.checksum(),
            0,
            encoding.label(),
            snap.data() == null ? 0 : snap.data().modifyIndex(),
            null);
    if (in.storing().signKey() == null
        || !in.storing().resign() && signedBy(snap, in.storing().signKey())) {
      return same;
    }
    if (in.run().dryRun()) {
      return new PublishResult(
          Result.WOULD_PUBLISH, canon, canon.checksum(), 0, encoding.label(), 0, null);
    }
    if (!versions.sign(snap, signature(in, canon.checksum(), now))) {
      throw KvexpressException.because(
          Reason.CHANGED, in.layout().dir() + " changed while signing it; run again");
    }
    return new PublishResult(
        Result.SIGNED,
        canon,
        canon.checksum(),
        0,
        encoding.label(),
        snap.data().modifyIndex(),
        null);
  }

  private static boolean signedBy(KeySnapshot snap, SigningKey key) {
    SignedStatement s =
        snap.signature() == null ? null : SignedStatement.parse(snap.signature().value());
    return s != null
        && s.fingerprint().equals(key.fingerprint())
        && s.covers(snap.layout(), snap.checksumText());
  }

  private byte[] signature(PublishInput in, String checksum, Instant now) {
    return in.storing()
        .signKey()
        .sign(in.layout(), checksum, now.toString(), SigningKey.publisher(hostname))
        .toJson();
  }

  /**
   * Step 9: runs {@code -e} after a publish; a failure is reported as exit 1, the publish stays.
   */
  public void exec(PublishInput in, PublishResult result) throws InterruptedException {
    if (in.run().exec() == null || result.outcome() != Result.PUBLISHED) {
      return;
    }
    CommandRunner.Result r =
        runner.run(
            in.run().exec(),
            Map.of(
                "KVEXPRESS_KEY", in.layout().key(),
                "KVEXPRESS_PREFIX", in.layout().prefix(),
                "KVEXPRESS_CHECKSUM", result.checksum()),
            in.run().execTimeout());
    Fields f =
        Fields.of("key", in.layout().key())
            .add("exec_exit", r.timedOut() ? "timeout" : r.exitCode())
            .add("ms", r.took().toMillis())
            .add("output", r.output().isEmpty() ? null : r.output());
    if (r.succeeded()) {
      log.info(COMPONENT, f);
      return;
    }
    throw KvexpressException.because(
        Reason.EXEC_FAILED,
        r.timedOut()
            ? "published, but -e did not finish within --exec-timeout "
                + in.run().execTimeout().toSeconds()
                + " s and was killed"
            : "published, but -e exited "
                + r.exitCode()
                + (r.output().isEmpty() ? "" : ": " + r.lastLine()));
  }

  // ---- steps ----

  KeySnapshot snapshot(KeyLayout layout) {
    return KeySnapshot.readToWrite(store, layout);
  }

  /**
   * Halts on a stop key; one whose {@code --for} has run out is logged and passed. As read: the
   * commit is guarded on the stop key, so one this token cannot see fails the commit instead.
   */
  static void haltIfStopped(KeySnapshot snap, Instant now, Log log) {
    if (snap.stopActiveAsRead(now)) {
      throw VersionStore.halted(snap);
    }
    if (snap.stopExpiredAsRead(now)) {
      log.warn(
          COMPONENT,
          Fields.of("key", snap.layout().key())
              .add("warning", "the stop key has expired; proceeding")
              .add("stop", KeySnapshot.reason(snap.stopUnconfirmed())));
    }
  }

  static Canonical canonicalize(PublishInput in) {
    return in.input().verbatim()
        ? Canonicalizer.verbatim(in.input().content())
        : Canonicalizer.canonicalize(in.input().content());
  }

  void guard(PublishInput in, Canonical canon, KeySnapshot snap) {
    if (canon.lines() == 0) {
      throw KvexpressException.because(
          Reason.EMPTY_INPUT,
          "input from "
              + in.input().source()
              + " has no non-blank lines; refusing to publish an empty file (check the template's output)");
    }
    if (canon.lines() < in.guards().minLines()) {
      throw KvexpressException.because(
          Reason.TOO_FEW_LINES,
          canon.lines()
              + " lines, fewer than --min-lines "
              + in.guards().minLines()
              + "; check the template's output, or lower -l if the file really is this short");
    }
    if (in.guards().maxShrinkPercent() != null && !in.guards().force()) {
      int published = publishedLines(snap);
      if (published > 0) {
        long shrink = (long) (published - canon.lines()) * 100 / published;
        if (shrink > in.guards().maxShrinkPercent()) {
          throw KvexpressException.because(
              Reason.SHRINK,
              String.format(
                  "%d lines would replace %d (%d%% fewer), more than "
                      + "--max-shrink %d%%; pass --force if this is intended",
                  canon.lines(), published, shrink, in.guards().maxShrinkPercent()));
        }
      }
    }
  }

  /**
   * A version too large for one value is chunked, and a Go kvexpress node cannot read a manifest,
   * so a key whose current version Go kvexpress wrote (it has no meta) is only chunked with {@code
   * --force}.
   */
  private static void refuseChunksOverGo(PublishInput in, Canonical canon, KeySnapshot snap) {
    if (snap.data() != null && snap.meta() == null && !in.guards().force()) {
      throw KvexpressException.because(
          Reason.GO_VERSION,
          String.format(
              "%d bytes need %d chunks, but the published version of %s has no meta, so Go"
                  + " kvexpress wrote it and Go nodes may apply this key, and they cannot read a"
                  + " chunked version; pass --force once no Go node applies it",
              canon.size(),
              (canon.size() + Manifest.CHUNK_BYTES - 1) / Manifest.CHUNK_BYTES,
              in.layout().dir()));
    }
  }

  /** Step 8: the version owner makes the version current (or staged, with {@code --stage}). */
  PublishResult commit(
      PublishInput in,
      Canonical canon,
      Encoding encoding,
      Stored stored,
      KeySnapshot first,
      Instant now)
      throws InterruptedException {
    KeyLayout layout = in.layout();
    String checksum = canon.checksum();
    byte[] signature =
        in.storing().signKey() != null
            ? signature(in, checksum, now)
            : in.storing().carriedSignature();
    Proposal proposal =
        Proposal.of(stored, canon.lines(), canon.size(), in.input().source(), signature);
    inFlight =
        stored.chunked()
            ? "it was writing the chunks of a new version of "
                + layout.dir()
                + " or committing it: if it did not commit, the current version is unchanged and"
                + " the chunks written so far stay under "
                + layout.chunksDir()
                + " until the next publish collects them; 'kvexpress status -k "
                + layout.key()
                + "' shows which version is current"
            : "it was committing a new version of "
                + layout.dir()
                + ", which may or may not have landed; 'kvexpress status -k "
                + layout.key()
                + "' shows which version is current";
    Committed c;
    try {
      c =
          in.storing().stage()
              ? versions.stage(layout, first, proposal)
              : versions.commit(layout, first, seen -> proposal, Rules.publish(layout));
    } finally {
      inFlight = null;
    }
    logChunkWork(layout, c);
    Result done =
        switch (c.outcome()) {
          case COMMITTED -> in.storing().stage() ? Result.STAGED : Result.PUBLISHED;
          case SUPERSEDED -> Result.SUPERSEDED;
          case SAME_BY_ANOTHER -> Result.UNCHANGED;
        };
    return new PublishResult(
        done,
        canon,
        checksum,
        (int) c.storedBytes(),
        encoding.label(),
        c.index(),
        null,
        c.outcome() == Committed.Outcome.SUPERSEDED ? c.current() : null,
        c.stoppedSince());
  }

  /** What the chunk steps did: written, and collected (a failed collection is only a warning). */
  private void logChunkWork(KeyLayout layout, Committed c) {
    Committed.ChunkWork work = c.chunkWork();
    if (work == null) {
      return;
    }
    if (work.chunks() > 0) {
      log.debug(
          COMPONENT,
          Fields.of("key", layout.key())
              .add("step", "chunks")
              .add("chunks", work.chunks())
              .add("written", work.written())
              .add("stored_bytes", c.storedBytes()));
    }
    if (work.removed() > 0) {
      log.debug(
          COMPONENT,
          Fields.of("key", layout.key())
              .add("step", "collect")
              .add("chunks_removed", work.removed()));
    }
    if (work.collectError() != null) {
      log.warn(
          COMPONENT,
          Fields.of("key", layout.key())
              .add("warning", "could not remove unused chunks; the next publish tries again")
              .add("error", work.collectError()));
    }
  }

  private int publishedLines(KeySnapshot snap) {
    Meta meta = snap.currentMeta();
    if (meta != null) {
      return meta.lines();
    }
    byte[] current = decodeCurrent(snap);
    return current == null ? 0 : Canonicalizer.countLines(current);
  }

  /** The published content, or null when there is none or it cannot be read and verified. */
  private byte[] decodeCurrent(KeySnapshot snap) {
    if (snap.data() == null) {
      return null;
    }
    try {
      return VersionReader.of(store).shown(snap.layout(), snap.data(), Encoding.MAX_DECODED_BYTES);
    } catch (KvexpressException e) {
      return null;
    }
  }

  private byte[] diffAgainstPublished(KeySnapshot snap, Canonical canon) {
    byte[] current = decodeCurrent(snap);
    String label = snap.layout().data();
    return UnifiedDiff.diff(
        label + " (published)",
        current == null ? new byte[0] : current,
        label + " (new)",
        canon.bytes(),
        3);
  }
}
