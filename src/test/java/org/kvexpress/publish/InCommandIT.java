package org.kvexpress.publish;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.kvexpress.agent.Fault;
import org.kvexpress.agent.RecordedRequest;
import org.kvexpress.core.Canonicalizer;
import org.kvexpress.core.Checksum;
import org.kvexpress.core.Manifest;
import org.kvexpress.core.Meta;
import org.kvexpress.testing.AgentTest;
import org.kvexpress.testing.CliRun;
import org.kvexpress.testing.Lines;
import org.kvexpress.testing.Store;

/**
 * {@code kvexpress in} end to end: the CLI in-process, the real Ecwid client, the dev agent over
 * HTTP.
 */
class InCommandIT extends AgentTest {
  private CliRun cli() {
    return CliRun.against(agent.address());
  }

  private CliRun.Result in(String stdin, String... args) {
    List<String> all = new ArrayList<>(List.of("in"));
    all.addAll(List.of(args));
    return cli().stdin(stdin).run(all.toArray(new String[0]));
  }

  private Map<String, Store.Value> keys() {
    return Store.read(agent, "kvexpress/");
  }

  @Nested
  class Publishing {
    @Test
    void publishesCanonicalDataChecksumAndMetaInOneTransaction() {
      String input = "b host\r\n\n  \na host\nb host\n" + Lines.hosts(10);
      CliRun.Result r = in(input, "-k", "hosts");
      assertThat(r.code()).as(r.err()).isZero();
      List<RecordedRequest> requests = agent.requests();
      byte[] canonical = Canonicalizer.canonicalize(input.getBytes()).bytes();
      assertThat(Store.data(agent, "kvexpress", "hosts")).isEqualTo(canonical);
      assertThat(Store.get(agent, "kvexpress/hosts/data").flags()).isZero();
      assertThat(Store.get(agent, "kvexpress/hosts/checksum").text())
          .isEqualTo(Checksum.sha256Hex(canonical));
      Meta meta = Meta.parse(Store.get(agent, "kvexpress/hosts/meta").bytes());
      assertThat(meta.lines()).isEqualTo(12);
      assertThat(meta.host()).isEqualTo("node-1");
      assertThat(meta.source()).isEqualTo("stdin");
      assertThat(meta.encoding()).isEqualTo("plain");
      assertThat(r.err())
          .contains(
              "[INFO] (in) key=hosts result=published lines=12 dropped_blank=2 merged=1 bytes="
                  + canonical.length
                  + " checksum="
                  + Checksum.sha256Hex(canonical).substring(0, 12)
                  + " index=");
      assertThat(requests)
          .as("one read-only transaction for the snapshot, one to publish")
          .hasSize(2)
          .allMatch(q -> q.method().equals("PUT") && q.path().equals("/v1/txn"));
      assertThat(new String(requests.get(0).body(), StandardCharsets.UTF_8))
          .contains("\"Verb\":\"get-tree\"")
          .doesNotContain("\"Verb\":\"set\"");
      Store.assertConsistent(agent, "kvexpress", "hosts");
    }

    @Test
    void secondVersionMovesTheFirstToLast() {
      in(Lines.hosts(10), "-k", "hosts");
      byte[] first = Store.data(agent, "kvexpress", "hosts");
      assertThat(in(Lines.hosts(12), "-k", "hosts").code()).isZero();
      assertThat(Store.get(agent, "kvexpress/hosts/last").bytes()).isEqualTo(first);
      Store.assertConsistent(agent, "kvexpress", "hosts");
    }

    @Test
    void unchangedWritesNothingBumpsNoIndexAndRunsNoExec() throws IOException {
      in(Lines.hosts(10), "-k", "hosts");
      long index = Store.get(agent, "kvexpress/hosts/data").modifyIndex();
      agent.clearRequests();
      Path marker = tmp.resolve("ran");
      CliRun.Result r = in(Lines.hosts(10) + "\n\n", "-k", "hosts", "-e", "touch " + marker);
      assertThat(r.code()).isZero();
      assertThat(r.err()).contains("result=unchanged");
      assertThat(Store.get(agent, "kvexpress/hosts/data").modifyIndex()).isEqualTo(index);
      assertThat(agent.requests())
          .filteredOn(q -> q.path().equals("/v1/txn"))
          .as("only the read-only snapshot transaction")
          .hasSize(1)
          .allMatch(
              q -> !new String(q.body(), StandardCharsets.UTF_8).contains("\"Verb\":\"set\""));
      assertThat(marker).doesNotExist();
    }

    @Test
    void verbatimPublishesTheExactBytes() {
      String input = "z first\r\n\nb\nb\n" + Lines.hosts(10);
      assertThat(in(input, "-k", "order", "--verbatim").code()).isZero();
      assertThat(Store.data(agent, "kvexpress", "order")).isEqualTo(input.getBytes());
    }

    @Test
    void binaryAndNonUtf8BytesArePublishedExactly() {
      byte[] input = new byte[300];
      for (int i = 0; i < input.length; i++) {
        input[i] = (byte) (i % 7 == 0 ? '\n' : i);
      }
      CliRun.Result r = cli().stdin(input).run("in", "-k", "bin", "-l", "1");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(Store.data(agent, "kvexpress", "bin"))
          .isEqualTo(Canonicalizer.canonicalize(input).bytes());
      Store.assertConsistent(agent, "kvexpress", "bin");
    }

    @Test
    void compressStoresGzipWithFlags2AndChecksumOfThePlainBytes() {
      assertThat(in(Lines.hosts(50), "-k", "gz", "-z").code()).isZero();
      Store.Value data = Store.get(agent, "kvexpress/gz/data");
      assertThat(data.flags()).isEqualTo(2);
      assertThat(data.bytes()[0]).isEqualTo((byte) 0x1f);
      Store.assertConsistent(agent, "kvexpress", "gz");
    }

    @Test
    void readsFromFileAndUrl() throws IOException {
      Path file = tmp.resolve("hosts.rendered");
      Files.writeString(file, Lines.hosts(10));
      assertThat(in("", "-k", "fromfile", "-f", file.toString()).code()).isZero();
      assertThat(Meta.parse(Store.get(agent, "kvexpress/fromfile/meta").bytes()).source())
          .isEqualTo("file:" + file);
      // The agent's raw endpoint serves as a web server for the URL source.
      Store.put(agent, "web/hosts", Lines.hosts(11));
      CliRun.Result r = in("", "-k", "fromurl", "-u", agent.url("/v1/kv/web/hosts?raw"));
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(new String(Store.data(agent, "kvexpress", "fromurl")))
          .isEqualTo(new String(Canonicalizer.canonicalize(Lines.hosts(11).getBytes()).bytes()));
      assertThat(Meta.parse(Store.get(agent, "kvexpress/fromurl/meta").bytes()).source())
          .as("no query string in meta")
          .isEqualTo(agent.url("/v1/kv/web/hosts"));
    }

    @Test
    void execRunsAfterPublishAndItsFailureIsExit1WithThePublishKept() throws IOException {
      Path marker = tmp.resolve("ran");
      CliRun.Result ok =
          in(Lines.hosts(10), "-k", "hosts", "-e", "echo \"$KVEXPRESS_KEY\" > " + marker);
      assertThat(ok.code()).isZero();
      assertThat(Files.readString(marker)).isEqualTo("hosts\n");
      CliRun.Result bad = in(Lines.hosts(11), "-k", "hosts", "-e", "echo reload broke; exit 7");
      assertThat(bad.code()).isEqualTo(1);
      assertThat(bad.err())
          .contains("result=published")
          .contains("reason=exec_failed")
          .contains("published, but -e exited 7: reload broke");
      assertThat(Store.data(agent, "kvexpress", "hosts"))
          .isEqualTo(Canonicalizer.canonicalize(Lines.hosts(11).getBytes()).bytes());
    }

    @Test
    void execTimeoutKillsTheCommand() {
      long start = System.nanoTime();
      CliRun.Result r =
          in(Lines.hosts(10), "-k", "hosts", "-e", "sleep 30", "--exec-timeout", "500ms");
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err()).contains("did not finish within --exec-timeout");
      assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(10_000);
    }

    @Test
    void dryRunPrintsSummaryAndDiffAndWritesNothing() {
      in(Lines.hosts(10), "-k", "hosts");
      Map<String, Store.Value> before = keys();
      CliRun.Result r = in(Lines.hosts(10) + "10.9.9.9 new-host\n", "-k", "hosts", "--dry-run");
      assertThat(r.code()).isZero();
      assertThat(r.out())
          .startsWith("key=hosts result=would_publish lines=11")
          .contains("--- kvexpress/hosts/data (published)")
          .contains("+10.9.9.9 new-host");
      assertThat(keys()).usingRecursiveComparison().isEqualTo(before);
    }
  }

  @Nested
  class Refusals {
    @Test
    void tooFewLinesIs3AndWritesNothing() {
      CliRun.Result r = in("a\nb\nc\n", "-k", "hosts");
      assertThat(r.code()).isEqualTo(3);
      assertThat(r.err())
          .contains("result=refused reason=too_few_lines")
          .contains("3 lines, fewer than --min-lines 10");
      assertThat(keys()).isEmpty();
      assertThat(in("a\nb\nc\n", "-k", "hosts", "--length", "3").code())
          .as("--length alias")
          .isZero();
    }

    @Test
    void emptyInputIs3() {
      CliRun.Result r = in("\n \n", "-k", "hosts", "-l", "0");
      assertThat(r.code()).isEqualTo(3);
      assertThat(r.err()).contains("reason=empty_input");
      assertThat(keys()).isEmpty();
    }

    @Test
    void softTurnsARefusalInto0AfterLoggingIt() {
      CliRun.Result r = cli().stdin("a\n").run("--soft", "in", "-k", "hosts");
      assertThat(r.code()).isZero();
      assertThat(r.err()).contains("result=refused");
      assertThat(cli().stdin("a\n").run("in", "-k", "hosts", "--soft").code()).isZero();
    }

    @Test
    void stopKeyHalts4WithItsReasonAndWritesNothing() {
      Store.put(agent, "kvexpress/hosts/stop", "migrating dns");
      CliRun.Result r = in(Lines.hosts(10), "-k", "hosts");
      assertThat(r.code()).isEqualTo(4);
      assertThat(r.err()).contains("result=halted reason=stop_key").contains("migrating dns");
      assertThat(keys()).containsOnlyKeys("kvexpress/hosts/stop");
    }

    @Test
    void maxShrinkRefusesUnlessForced() {
      in(Lines.hosts(100), "-k", "hosts");
      CliRun.Result r = in(Lines.hosts(50), "-k", "hosts", "--max-shrink", "20");
      assertThat(r.code()).isEqualTo(3);
      assertThat(r.err()).contains("50 lines would replace 100 (50% fewer)");
      assertThat(in(Lines.hosts(90), "-k", "hosts", "--max-shrink", "20").code()).isZero();
      assertThat(in(Lines.hosts(50), "-k", "hosts", "--max-shrink", "20", "--force").code())
          .isZero();
    }

    @Test
    void inputOverMaxBytesIs3WithSizesAndAHint() {
      byte[] big = Lines.random(600_000, 1);
      CliRun.Result r = cli().stdin(big).run("in", "-k", "big", "--max-bytes", "500000");
      assertThat(r.code()).isEqualTo(3);
      assertThat(r.err())
          .contains("reason=too_large")
          .contains("600000 bytes, more than --max-bytes 500000")
          .contains("raise --max-bytes");
      assertThat(keys()).isEmpty();
    }

    @Test
    void aLargeInputIsStillHaltedByTheStopKeyFirst() {
      // Far over Consul's limits, but the stop key is checked first and decides the outcome.
      Store.put(agent, "kvexpress/big/stop", "frozen");
      CliRun.Result r = cli().stdin(Lines.random(3_000_000, 2)).run("in", "-k", "big");
      assertThat(r.code()).isEqualTo(4);
      assertThat(r.err()).contains("reason=stop_key").doesNotContain("too_large");
      assertThat(keys()).containsOnlyKeys("kvexpress/big/stop");
    }

    @Test
    void aSingle10MbLineIsHandled() {
      byte[] line = new byte[10 << 20];
      Arrays.fill(line, (byte) 'x');
      assertThat(cli().stdin(line).run("in", "-k", "wide").code()).as("one line < 10").isEqualTo(3);
      CliRun.Result z = cli().stdin(line).run("in", "-k", "wide", "-l", "1", "-z");
      assertThat(z.code()).as(z.err()).isZero();
      assertThat(Store.data(agent, "kvexpress", "wide")).hasSize((10 << 20) + 1);
      line[0] = 'y';
      CliRun.Result plain =
          cli().stdin(line).run("in", "-k", "wide", "-l", "1", "--max-bytes", "20000000");
      assertThat(plain.code()).as("over one value plain: chunked (LargeVersionsIT)").isZero();
      assertThat(Store.get(agent, "kvexpress/wide/data").flags()).isEqualTo(Manifest.FLAGS);
    }

    @Test
    void missingFileIs2NamingThePath() {
      CliRun.Result r = in("", "-k", "hosts", "-f", tmp.resolve("nope").toString());
      assertThat(r.code()).isEqualTo(2);
      assertThat(r.err()).contains(tmp.resolve("nope") + " does not exist");
      assertThat(in("", "-k", "hosts", "-f", tmp.toString()).err()).contains("is a directory");
    }

    @Test
    void failingUrlIs1() {
      CliRun.Result r = in("", "-k", "hosts", "-u", agent.url("/v1/kv/no/such?raw"));
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err()).contains("answered HTTP 404");
      assertThat(in("", "-k", "hosts", "-u", "ftp://x/y").code()).isEqualTo(2);
      assertThat(in("", "-k", "hosts", "-u", "http://a", "-f", "b").err())
          .contains("cannot use -f/--file and -u/--url together");
    }
  }

  @Nested
  class Atomicity {
    @Test
    void dataAndLastTooLargeForOneTransactionAreWrittenLastFirst() {
      byte[] v1 = Lines.random(300_000, 1);
      byte[] v2 = Lines.random(300_000, 2);
      assertThat(cli().stdin(v1).run("in", "-k", "near").code()).isZero();
      agent.clearRequests();
      CliRun.Result r = cli().stdin(v2).run("in", "-k", "near");
      assertThat(r.code()).as(r.err()).isZero();
      List<RecordedRequest> txns =
          agent.requests().stream().filter(q -> q.path().equals("/v1/txn")).toList();
      assertThat(txns).as("the snapshot's read, last first, then the version").hasSize(3);
      assertThat(txns).allMatch(q -> q.body().length <= 524_288);
      assertThat(Store.get(agent, "kvexpress/near/last").bytes())
          .isEqualTo(Canonicalizer.canonicalize(v1).bytes());
      Store.assertConsistent(agent, "kvexpress", "near");
    }

    @Test
    void aDroppedAnswerAfterCommitIsRecognisedAsOurOwnPublish() throws IOException {
      Path marker = tmp.resolve("ran");
      agent.failWhen(q -> q.path().equals("/v1/txn"), Fault.DROP_AFTER_APPLY, 1);
      CliRun.Result r = in(Lines.hosts(10), "-k", "hosts", "-e", "touch " + marker);
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.err()).contains("result=published");
      assertThat(marker).as("-e runs: the publish was ours").exists();
      Store.assertConsistent(agent, "kvexpress", "hosts");
    }

    @Test
    void faultsBetweenRequestsLeaveTheStoreOldOrNew() {
      in(Lines.hosts(10), "-k", "hosts");
      for (Fault f : Fault.values()) {
        // in sends two requests: the read-only snapshot transaction, then the publishing one.
        for (int nth = 1; nth <= 2; nth++) {
          int[] count = {0};
          int which = nth;
          agent.failWhen(q -> q.path().equals("/v1/txn") && ++count[0] == which, f, 1);
          CliRun.Result r =
              in(Lines.hosts(11 + f.ordinal()) + "# request " + nth + "\n", "-k", "hosts");
          assertThat(r.code()).as(f + " on request " + nth + ": " + r.err()).isZero();
          Store.assertConsistent(agent, "kvexpress", "hosts");
        }
      }
      // A split publish (data and last over one transaction) with a fault on the second
      // transaction.
      in(new String(Lines.random(300_000, 3)), "-k", "split");
      int[] seen = {0};
      // The snapshot's read is the first transaction, last first the second, the version the third.
      agent.failWhen(q -> q.path().equals("/v1/txn") && ++seen[0] == 3, Fault.DROP, 1);
      CliRun.Result r = cli().stdin(Lines.random(300_000, 4)).run("in", "-k", "split");
      assertThat(r.code()).as(r.err()).isZero();
      Store.assertConsistent(agent, "kvexpress", "split");
    }

    @Test
    void fiveConcurrentPublishersEachEndPublishedOrUnchanged() throws Exception {
      in(Lines.hosts(10), "-k", "race");
      ExecutorService pool = Executors.newFixedThreadPool(5);
      try {
        List<Future<CliRun.Result>> results = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
          String content = Lines.hosts(20 + i);
          Callable<CliRun.Result> task = () -> in(content, "-k", "race");
          results.add(pool.submit(task));
        }
        Set<String> published = new HashSet<>(List.of(utf8(canonical(Lines.hosts(10)))));
        for (int i = 0; i < results.size(); i++) {
          CliRun.Result r = results.get(i).get();
          assertThat(r.code()).as(r.err()).isZero();
          assertThat(r.err()).containsPattern("result=(published|unchanged)");
          if (r.err().contains("result=published")) {
            published.add(utf8(canonical(Lines.hosts(20 + i))));
          }
        }
        // The chain the README promises: the current version is one that was published, and last is
        // another published version, the one it replaced; no update interleaved with another.
        String current = utf8(Store.data(agent, "kvexpress", "race"));
        Store.Value last = Store.get(agent, "kvexpress/race/last");
        assertThat(published).contains(current);
        assertThat(last).isNotNull();
        assertThat(published).contains(last.text());
        assertThat(last.text()).isNotEqualTo(current);
      } finally {
        pool.shutdownNow();
      }
      Store.assertConsistent(agent, "kvexpress", "race");
    }
  }

  @Test
  void verboseShowsTheSteps() {
    CliRun.Result r = in(Lines.hosts(10), "-k", "hosts", "-v");
    assertThat(r.err()).contains("[DEBUG] (in) key=hosts step=input source=stdin");
  }

  @Test
  void quietPrintsOnlyErrors() {
    assertThat(in(Lines.hosts(10), "-k", "hosts", "-q").err()).isEmpty();
    assertThat(in("a\n", "-k", "hosts", "-q").err()).contains("result=refused");
  }

  static byte[] canonical(String s) {
    return Canonicalizer.canonicalize(s.getBytes(StandardCharsets.UTF_8)).bytes();
  }

  static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
