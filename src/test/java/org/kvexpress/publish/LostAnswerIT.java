package org.kvexpress.publish;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.kvexpress.agent.Fault;
import org.kvexpress.agent.RecordedRequest;
import org.kvexpress.core.Canonicalizer;
import org.kvexpress.core.Checksum;
import org.kvexpress.core.Meta;
import org.kvexpress.testing.Backend;
import org.kvexpress.testing.BackendExtension;
import org.kvexpress.testing.CliRun;
import org.kvexpress.testing.Lines;
import org.kvexpress.testing.Store;

/**
 * A write that Consul applied but whose answer never arrived (docs/guarantees.md, "exactly once"):
 * the writer learns from the chain of commits in meta whether its version committed, and never
 * writes it again over a newer version. Each case forwards the write, runs what happens meanwhile,
 * then drops the answer.
 */
@ExtendWith(BackendExtension.class)
class LostAnswerIT {
  private Backend agent;
  @TempDir Path tmp;

  @BeforeEach
  void start(Backend backend) {
    agent = backend;
  }

  private CliRun cli() {
    return CliRun.against(agent.address());
  }

  private static boolean writeTxn(RecordedRequest q) {
    return q.path().equals("/v1/txn")
        && new String(q.body(), StandardCharsets.UTF_8).contains("\"Verb\":\"set\"");
  }

  private static String sum(String content) {
    return Canonicalizer.canonicalize(content.getBytes(StandardCharsets.UTF_8)).checksum();
  }

  private CliRun.Result publish(String content, String... more) {
    String[] args = new String[3 + more.length];
    args[0] = "in";
    args[1] = "-k";
    args[2] = "hosts";
    System.arraycopy(more, 0, args, 3, more.length);
    return cli().stdin(content).run(args);
  }

  @Test
  void aLostAnswerWithANewerPublishMeanwhileIsReportedSupersededAndNeverWrittenAgain() {
    String a = Lines.hosts(10);
    String b = Lines.hosts(12);
    String c = Lines.hosts(14);
    assertThat(publish(a).code()).isZero();
    AtomicReference<CliRun.Result> other = new AtomicReference<>();
    // B's write is forwarded and applied; before its answer is dropped, an operator publishes C.
    agent.failWhen(LostAnswerIT::writeTxn, Fault.DROP_AFTER_APPLY, 1, () -> other.set(publish(c)));
    Path marker = tmp.resolve("exec-ran");
    CliRun.Result r = publish(b, "-e", "touch " + marker);
    assertThat(other.get().code()).as(other.get().err()).isZero();
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err())
        .contains("result=superseded")
        .contains("superseded_by=" + Checksum.shortForm(sum(c)));
    assertThat(marker).as("-e runs only for a version that is current").doesNotExist();
    // Nodes never go C -> B: C stays current, and B (committed once) is its last.
    assertThat(Store.get(agent, "kvexpress/hosts/checksum").text()).isEqualTo(sum(c));
    Meta meta = Meta.parse(Store.get(agent, "kvexpress/hosts/meta").bytes());
    assertThat(meta.lastChecksum()).isEqualTo(sum(b));
    assertThat(meta.history()).as("B, A and nothing before A").hasSize(3);
    Store.assertConsistent(agent, "kvexpress", "hosts");
  }

  @Test
  void aLostAnswerFollowedByAStopIsReportedPublishedNotHalted() {
    assertThat(publish(Lines.hosts(10)).code()).isZero();
    AtomicReference<CliRun.Result> stop = new AtomicReference<>();
    agent.failWhen(
        LostAnswerIT::writeTxn,
        Fault.DROP_AFTER_APPLY,
        1,
        () -> stop.set(cli().run("stop", "-k", "hosts", "-r", "bad version")));
    CliRun.Result r = publish(Lines.hosts(11));
    assertThat(stop.get().code()).isZero();
    assertThat(r.code()).as("committed before the stop: not 'halted' (exit 4)").isZero();
    assertThat(r.err())
        .contains("result=published")
        .contains("stopped_since=\"bad version (stopped by")
        .contains("kvexpress rollback -k hosts");
    assertThat(Store.get(agent, "kvexpress/hosts/checksum").text()).isEqualTo(sum(Lines.hosts(11)));
  }

  @Test
  void whenMoreCommitsFollowedThanMetaRemembersTheOutcomeIsUnknownNotRepeated() {
    assertThat(publish(Lines.hosts(10)).code()).isZero();
    agent.failWhen(
        LostAnswerIT::writeTxn,
        Fault.DROP_AFTER_APPLY,
        1,
        () -> {
          for (int i = 0; i < 17; i++) {
            assertThat(publish(Lines.hosts(30 + i)).code()).isZero();
          }
        });
    CliRun.Result r = publish(Lines.hosts(20));
    assertThat(r.code()).as(r.err()).isEqualTo(1);
    assertThat(r.err())
        .contains("reason=outcome_unknown")
        .contains(
            "cannot tell whether version "
                + Checksum.shortForm(sum(Lines.hosts(20)))
                + " was committed")
        .contains("nothing was written twice");
    assertThat(Store.get(agent, "kvexpress/hosts/checksum").text()).isEqualTo(sum(Lines.hosts(46)));
  }

  @Test
  void everyAnswerLostStillEndsInTheOneCommit() {
    assertThat(publish(Lines.hosts(10)).code()).isZero();
    // Every try of the write is applied (the first commits, the others conflict) and none is
    // answered.
    agent.failWhen(LostAnswerIT::writeTxn, Fault.DROP_AFTER_APPLY, 100);
    CliRun.Result r = publish(Lines.hosts(11), "--retry-for", "1s");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).contains("result=published");
    Store.assertConsistent(agent, "kvexpress", "hosts");
  }

  @Test
  void aRollbackWhoseAnswerIsLostIsRecognisedAsDone() {
    assertThat(publish(Lines.hosts(10)).code()).isZero();
    assertThat(publish(Lines.hosts(11)).code()).isZero();
    agent.failWhen(LostAnswerIT::writeTxn, Fault.DROP_AFTER_APPLY, 1);
    CliRun.Result r = cli().run("rollback", "-k", "hosts");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(Store.get(agent, "kvexpress/hosts/checksum").text()).isEqualTo(sum(Lines.hosts(10)));
    assertThat(Store.get(agent, "kvexpress/hosts/last").text())
        .isEqualTo(
            new String(
                Canonicalizer.canonicalize(Lines.hosts(11).getBytes(StandardCharsets.UTF_8))
                    .bytes(),
                StandardCharsets.UTF_8));
  }

  @Test
  void aStagedVersionWhoseAnswerIsLostIsRecognisedToo() {
    assertThat(publish(Lines.hosts(10)).code()).isZero();
    agent.failWhen(LostAnswerIT::writeTxn, Fault.DROP_AFTER_APPLY, 1);
    CliRun.Result r = publish(Lines.hosts(11), "--stage");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).contains("result=staged");
    assertThat(Store.get(agent, "kvexpress/hosts/staged/checksum").text())
        .isEqualTo(sum(Lines.hosts(11)));
  }
}
