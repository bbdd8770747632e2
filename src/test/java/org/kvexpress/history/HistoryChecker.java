package org.kvexpress.history;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Checks a recorded {@link History} against kvexpress's guarantees, without trusting anything
 * kvexpress says about itself beyond what Consul stored. The commit sequence is rebuilt from the
 * recorders' observations: each commit's meta names its id and the ids before it, and its
 * lastChecksum names the checksum of the one before, so a commit is known when it or its successor
 * was observed. Pure: the same history always gives the same verdicts.
 *
 * <p>The guarantees: no torn state (data hashes to checksum, last to meta's last checksum); one
 * chain of commits (every observed commit on it, no id twice, no fork); no content committed twice
 * by {@code in} (each publish's content is unique, so a repeat is a lost answer written again; only
 * a rollback may bring a version back); every acknowledged publish committed, a superseded one
 * followed by the version it names; nothing committed by a write that reported refused, halted or a
 * definite failure; no publish committed while the stop key was set; every application was of a
 * committed version and hashes to its checksum; no node goes back to an older version unless a
 * rollback committed it.
 */
final class HistoryChecker {
  /**
   * One commit on the chain: its id, checksum (null when neither it nor its successor was observed)
   * and source.
   */
  record Commit(String id, String checksum, String source, long dataIndex) {
    boolean rollback() {
      return source != null && source.startsWith("rollback from");
    }
  }

  /**
   * The verdicts: every violation found (empty: the history holds) and the commit chain, oldest
   * first.
   */
  record Report(List<String> violations, List<Commit> chain, int unknownChecksums) {}

  private HistoryChecker() {}

  static Report check(History h) {
    List<String> bad = new ArrayList<>();
    List<History.Observation> obs = h.observations();
    Map<String, String> checksumOf = new HashMap<>();
    Map<String, String> predecessorOf = new HashMap<>();
    Map<String, String> sourceOf = new HashMap<>();
    Map<String, Long> indexOf = new HashMap<>();
    for (History.Observation o : obs) {
      if (o.id() == null) {
        continue; // nothing published yet, or a state no kvexpress commit wrote
      }
      if (!Objects.equals(o.dataSha(), o.checksum())) {
        bad.add(
            "torn state at index "
                + o.index()
                + ": data hashes to "
                + shortly(o.dataSha())
                + " but checksum says "
                + shortly(o.checksum()));
      }
      if (o.lastSha() != null
          && o.lastChecksum() != null
          && !o.lastSha().equals(o.lastChecksum())) {
        bad.add(
            "torn state at index "
                + o.index()
                + ": last hashes to "
                + shortly(o.lastSha())
                + " but meta says "
                + shortly(o.lastChecksum()));
      }
      agree(bad, checksumOf, o.id(), o.checksum(), "checksum");
      sourceOf.put(o.id(), o.source());
      indexOf.put(o.id(), o.dataIndex());
      List<String> ids = new ArrayList<>();
      ids.add(o.id());
      ids.addAll(o.history());
      for (int i = 0; i + 1 < ids.size(); i++) {
        agree(bad, predecessorOf, ids.get(i), ids.get(i + 1), "predecessor");
      }
      if (!o.history().isEmpty() && o.lastChecksum() != null) {
        agree(bad, checksumOf, o.history().get(0), o.lastChecksum(), "checksum (as last)");
      }
    }
    List<Commit> chain = chain(bad, obs, checksumOf, predecessorOf, sourceOf, indexOf);
    int unknown = (int) chain.stream().filter(c -> c.checksum() == null).count();
    checkRepeats(bad, chain, h.writes());
    checkWrites(bad, chain, h.writes(), unknown > 0);
    checkStops(bad, chain, obs);
    checkApplications(bad, chain, h.applications(), unknown > 0);
    return new Report(bad, chain, unknown);
  }

  /**
   * The chain from the newest observed commit back to the first, oldest first; every observed id
   * must be on it.
   */
  private static List<Commit> chain(
      List<String> bad,
      List<History.Observation> obs,
      Map<String, String> checksumOf,
      Map<String, String> predecessorOf,
      Map<String, String> sourceOf,
      Map<String, Long> indexOf) {
    History.Observation newest = null;
    for (History.Observation o : obs) {
      if (o.id() != null && (newest == null || o.dataIndex() > newest.dataIndex())) {
        newest = o;
      }
    }
    List<Commit> chain = new ArrayList<>();
    if (newest == null) {
      return chain;
    }
    Set<String> seen = new HashSet<>();
    for (String id = newest.id(); id != null && !id.startsWith("@"); id = predecessorOf.get(id)) {
      if (!seen.add(id)) {
        bad.add("commit " + id + " appears twice in the chain (a cycle)");
        break;
      }
      chain.add(
          0, new Commit(id, checksumOf.get(id), sourceOf.get(id), indexOf.getOrDefault(id, 0L)));
      if (!predecessorOf.containsKey(id)) {
        bad.add(
            "the recorders missed more than 16 commits in a row before "
                + id
                + "; the chain cannot be checked");
        break;
      }
    }
    for (History.Observation o : obs) {
      if (o.id() != null && !seen.contains(o.id())) {
        bad.add(
            "observed commit "
                + o.id()
                + " ("
                + shortly(o.checksum())
                + ") is not on the final chain: a fork");
      }
    }
    return chain;
  }

  /** A checksum committed twice: only a rollback may bring a version back. */
  private static void checkRepeats(
      List<String> bad, List<Commit> chain, List<History.Write> writes) {
    Map<String, Integer> first = new HashMap<>();
    for (int i = 0; i < chain.size(); i++) {
      Commit c = chain.get(i);
      if (c.checksum() == null) {
        continue;
      }
      Integer before = first.putIfAbsent(c.checksum(), i);
      // A commit no recorder saw has no known source: an acknowledged (or unknown) rollback to it
      // explains it.
      if (before != null
          && !c.rollback()
          && !(c.source() == null && rollbackTo(writes, c.checksum()))) {
        bad.add(
            "version "
                + shortly(c.checksum())
                + " was committed at position "
                + before
                + " and again at "
                + i
                + " ("
                + c.id()
                + ", source "
                + c.source()
                + ") by something other than a rollback: nodes went back");
      }
    }
  }

  private static boolean rollbackTo(List<History.Write> writes, String checksum) {
    return writes.stream()
        .anyMatch(
            w ->
                w.op().equals("rollback")
                    && (w.outcome() == History.Outcome.PUBLISHED
                            && w.checksum() != null
                            && checksum.startsWith(w.checksum())
                        || w.outcome() == History.Outcome.UNKNOWN));
  }

  private static void checkWrites(
      List<String> bad, List<Commit> chain, List<History.Write> writes, boolean gaps) {
    Map<String, Integer> positionOf = new LinkedHashMap<>();
    for (int i = 0; i < chain.size(); i++) {
      if (chain.get(i).checksum() != null && !chain.get(i).rollback()) {
        positionOf.putIfAbsent(chain.get(i).checksum(), i);
      }
    }
    for (History.Write w : writes) {
      if (!(w.op().equals("in") || w.op().equals("promote")) || w.checksum() == null) {
        continue;
      }
      Integer at = positionOf.get(w.checksum());
      String who = w.who() + " " + shortly(w.checksum());
      switch (w.outcome()) {
        case PUBLISHED, SUPERSEDED -> {
          if (at == null && !gaps) {
            bad.add(
                "acknowledged publish "
                    + who
                    + " ("
                    + w.outcome()
                    + ") is not in the commit sequence");
          }
          if (w.outcome() == History.Outcome.SUPERSEDED && at != null) {
            boolean followed = false;
            for (int i = at + 1; i < chain.size(); i++) {
              followed |=
                  chain.get(i).checksum() != null
                      && chain.get(i).checksum().startsWith(w.supersededBy());
            }
            if (!followed && !gaps) {
              bad.add(
                  "publish "
                      + who
                      + " says it was superseded by "
                      + shortly(w.supersededBy())
                      + ", which was not committed after it");
            }
          }
        }
        case UNCHANGED ->
            bad.add(
                "publish "
                    + who
                    + " of a content nobody else published reported unchanged: its own "
                    + "commit was not recognised");
        case REFUSED, HALTED, FAILED -> {
          if (at != null) {
            bad.add(
                "publish "
                    + who
                    + " reported "
                    + w.outcome()
                    + " ("
                    + w.detail()
                    + ") but was committed at "
                    + "position "
                    + at);
          }
        }
        case UNKNOWN -> {}
      }
    }
  }

  /**
   * No publish commits while the stop key is set: a commit whose raft index falls inside an
   * observed stop.
   */
  private static void checkStops(
      List<String> bad, List<Commit> chain, List<History.Observation> obs) {
    for (History.Observation o : obs) {
      if (o.stopCreateIndex() == 0) {
        continue;
      }
      for (Commit c : chain) {
        if (!c.rollback()
            && c.source() != null
            && c.dataIndex() > o.stopCreateIndex()
            && c.dataIndex() <= o.index()) {
          bad.add(
              "commit "
                  + c.id()
                  + " ("
                  + shortly(c.checksum())
                  + ", index "
                  + c.dataIndex()
                  + ") was made while "
                  + "the stop key set at index "
                  + o.stopCreateIndex()
                  + " was still there at index "
                  + o.index());
        }
      }
    }
  }

  /**
   * Each node's applications: of committed versions, hashing to what they claim, and in commit
   * order (a version may come back only through a later commit of it, a rollback's).
   */
  private static void checkApplications(
      List<String> bad, List<Commit> chain, List<History.Application> apps, boolean gaps) {
    Map<String, List<History.Application>> byNode = new LinkedHashMap<>();
    apps.forEach(a -> byNode.computeIfAbsent(a.node(), n -> new ArrayList<>()).add(a));
    for (Map.Entry<String, List<History.Application>> e : byNode.entrySet()) {
      int position = -1;
      for (History.Application a : e.getValue()) {
        if (!Objects.equals(a.claimed(), a.fileSha())) {
          bad.add(
              e.getKey()
                  + " applied a file hashing to "
                  + shortly(a.fileSha())
                  + " while out said "
                  + shortly(a.claimed()));
        }
        int next = -1;
        for (int i = Math.max(position, 0); i < chain.size(); i++) {
          if (a.fileSha() != null && a.fileSha().equals(chain.get(i).checksum()) && i >= position) {
            next = i;
            break;
          }
        }
        if (next < 0) {
          boolean everCommitted =
              chain.stream().anyMatch(c -> Objects.equals(c.checksum(), a.fileSha()));
          if (!everCommitted && !gaps) {
            bad.add(
                e.getKey() + " applied " + shortly(a.fileSha()) + ", which was never committed");
          } else if (everCommitted) {
            bad.add(
                e.getKey()
                    + " went back to "
                    + shortly(a.fileSha())
                    + " after applying the commit at position "
                    + position
                    + ", and no later commit brought it back");
          }
          continue;
        }
        position = next;
      }
    }
  }

  private static void agree(
      List<String> bad, Map<String, String> map, String key, String value, String what) {
    if (key == null || value == null) {
      return;
    }
    String before = map.putIfAbsent(key, value);
    if (before != null && !before.equals(value)) {
      bad.add(
          "commit "
              + key
              + " has two "
              + what
              + "s: "
              + shortly(before)
              + " and "
              + shortly(value));
    }
  }

  static String shortly(String checksum) {
    return checksum == null
        ? "(none)"
        : checksum.length() > 12 ? checksum.substring(0, 12) : checksum;
  }
}
