package org.kvexpress.version;

/**
 * How the version owner's commit (or staging) ended: the outcome; the data key's index and the
 * checksum of what is current now (for SUPERSEDED the newer version, else this writer's); the
 * proposal that was committed (or matched); the reason of a stop set after this writer's commit,
 * which the writer learned only on its re-read after a lost answer (null: none); the bytes the
 * version took in Consul (its value, or the chunks this commit wrote); and what the chunk steps
 * did.
 */
public record Committed(
    Committed.Outcome outcome,
    long index,
    Proposal proposal,
    String current,
    String stoppedSince,
    long storedBytes,
    Committed.ChunkWork chunkWork) {

  /** How a commit ended. */
  public enum Outcome {
    /** This writer's version is current. */
    COMMITTED,
    /** This writer's version was committed (its answer was lost) and newer versions followed it. */
    SUPERSEDED,
    /** Another writer had made the same content current; this writer committed nothing. */
    SAME_BY_ANOTHER
  }

  /**
   * What the chunk steps did, for the writer's log: chunks in the version and written by this
   * commit (the others were there), chunks no version needed any more and removed, and why
   * collecting them failed (null: it did not; the next commit tries again). Null on a commit
   * without chunk work.
   */
  public record ChunkWork(int chunks, int written, int removed, String collectError) {}

  Committed(Outcome outcome, long index, Proposal proposal, String current, String stoppedSince) {
    this(outcome, index, proposal, current, stoppedSince, 0, null);
  }

  Committed with(long bytes, ChunkWork work) {
    return new Committed(outcome, index, proposal, current, stoppedSince, bytes, work);
  }
}
