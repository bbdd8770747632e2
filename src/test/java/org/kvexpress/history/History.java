package org.kvexpress.history;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything a history run records, appended from many threads: what every publisher and operator
 * attempted and got back, what Consul committed (as the recorders observed it), and what every node
 * applied. The {@link HistoryChecker} reads it after the run.
 */
final class History {
  /** How a publish ended, as its writer reported it. */
  enum Outcome {
    /** Exit 0, result=published: its version is current. */
    PUBLISHED,
    /** Exit 0, result=superseded: committed, a newer version followed before its answer came. */
    SUPERSEDED,
    /** Exit 0, result=unchanged. */
    UNCHANGED,
    /** Exit 3: a guard refused it. */
    REFUSED,
    /** Exit 4: the stop key halted it. */
    HALTED,
    /**
     * Exit 1 with a cause that proves nothing was committed (conflict, unreachable before sending).
     */
    FAILED,
    /**
     * Killed mid-flight, or exit 1 saying the outcome is unknown: committed or not, both are
     * allowed.
     */
    UNKNOWN
  }

  /**
   * One writer's attempt: {@code who} (publisher or operator), what it tried ({@code in}, {@code
   * rollback}), the checksum of the version it tried to make current (a rollback's is filled in
   * from its answer, null when unknown), its outcome and, for a superseded publish, the checksum
   * that superseded it.
   */
  record Write(
      String who,
      String op,
      String checksum,
      Outcome outcome,
      String supersededBy,
      long startNanos,
      long endNanos,
      String detail) {}

  /**
   * One state of the key as a recorder read it through a leader: the raft index the read answered
   * at, the current commit's id and history (newest first), its checksum, the SHA-256 of data as
   * stored (decoded), the meta's last checksum and the SHA-256 of last, meta's source, data's
   * ModifyIndex, and the stop key's CreateIndex when it is set (else 0).
   */
  record Observation(
      long index,
      String id,
      List<String> history,
      String checksum,
      String dataSha,
      String lastChecksum,
      String lastSha,
      String source,
      long dataIndex,
      long stopCreateIndex) {}

  /**
   * One application on a node: when (nanos), the checksum out reported and the SHA-256 of the file
   * it wrote.
   */
  record Application(String node, long atNanos, String claimed, String fileSha) {}

  private final List<Write> writes = new ArrayList<>();
  private final List<Observation> observations = new ArrayList<>();
  private final List<Application> applications = new ArrayList<>();

  synchronized void write(Write w) {
    writes.add(w);
  }

  synchronized void observe(Observation o) {
    observations.add(o);
  }

  synchronized void applied(Application a) {
    applications.add(a);
  }

  synchronized List<Write> writes() {
    return List.copyOf(writes);
  }

  synchronized List<Observation> observations() {
    return List.copyOf(observations);
  }

  synchronized List<Application> applications() {
    return List.copyOf(applications);
  }
}
