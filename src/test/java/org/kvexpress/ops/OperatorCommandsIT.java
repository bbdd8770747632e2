package org.kvexpress.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.kvexpress.agent.Fault;
import org.kvexpress.core.Canonicalizer;
import org.kvexpress.core.Checksum;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.testing.AgentTest;
import org.kvexpress.testing.CliRun;
import org.kvexpress.testing.Http;
import org.kvexpress.testing.Lines;
import org.kvexpress.testing.Store;

/**
 * The operator commands end to end: happy path, every refusal, safe to run twice, nothing written
 * on failure.
 */
class OperatorCommandsIT extends AgentTest {
  private CliRun.Result run(String... args) {
    return CliRun.against(agent.address()).env("USER", "alice").hostname("web-1").run(args);
  }

  private void publish(String key, String content) {
    CliRun.Result r = CliRun.against(agent.address()).stdin(content).run("in", "-k", key);
    assertThat(r.code()).as(r.err()).isZero();
  }

  private Map<String, Store.Value> keys() {
    return Store.read(agent, "kvexpress/");
  }

  private static byte[] canonical(String s) {
    return Canonicalizer.canonicalize(s.getBytes()).bytes();
  }

  @Nested
  class StopAndResume {
    @Test
    void stopRecordsReasonUserHostAndTimeAndIsSafeTwice() {
      CliRun.Result r = run("stop", "-k", "hosts", "-r", "bad deploy");
      assertThat(r.code()).isZero();
      String value = Store.get(agent, "kvexpress/hosts/stop").text();
      assertThat(value).startsWith("bad deploy (stopped by alice@web-1 at ").endsWith("Z)");
      assertThat(r.out()).contains("stopped hosts: bad deploy");
      CliRun.Result again = run("stop", "-k", "hosts", "-r", "other reason");
      assertThat(again.code()).isZero();
      assertThat(again.out()).contains("already stopped, left as it is: bad deploy");
      assertThat(Store.get(agent, "kvexpress/hosts/stop").text()).isEqualTo(value);
    }

    @Test
    void stopHaltsInAndOutAndResumeLetsThemThrough() {
      publish("hosts", Lines.hosts(10));
      run("stop", "-k", "hosts", "-r", "freeze");
      assertThat(
              CliRun.against(agent.address())
                  .stdin(Lines.hosts(12))
                  .run("in", "-k", "hosts")
                  .code())
          .isEqualTo(4);
      assertThat(run("out", "-k", "hosts", "-f", tmp.resolve("h").toString()).code()).isEqualTo(4);
      CliRun.Result resume = run("resume", "-k", "hosts");
      assertThat(resume.out()).contains("resumed hosts (was stopped: freeze");
      assertThat(run("resume", "-k", "hosts").out()).contains("was not stopped; nothing to do");
      assertThat(run("out", "-k", "hosts", "-f", tmp.resolve("h").toString()).code()).isZero();
    }

    @Test
    void reasonIsRequired() {
      assertThat(run("stop", "-k", "hosts").code()).isEqualTo(2);
      assertThat(run("stop", "-k", "hosts", "-r", " ").code()).isEqualTo(2);
      assertThat(keys()).isEmpty();
    }
  }

  @Nested
  class LockAndUnlock {
    @Test
    void lockWritesGoKvexpressKeyAndANoteAndOutHalts() throws IOException {
      publish("hosts", Lines.hosts(10));
      Path file = tmp.resolve("hosts.consul");
      CliRun.Result r = run("lock", "-f", file.toString(), "-r", "debugging");
      assertThat(r.code()).isZero();
      String key = "kvexpress/locks/" + Checksum.sha256Hex(file.toString()) + "/web-1";
      assertThat(Store.get(agent, key).text())
          .startsWith("debugging (file " + file + ", locked by alice@web-1");
      Path note = tmp.resolve("hosts.consul.locked");
      assertThat(Files.readString(note))
          .contains("debugging")
          .contains("kvexpress unlock -f " + file);
      assertThat(run("out", "-k", "hosts", "-f", file.toString()).code()).isEqualTo(4);
      assertThat(run("lock", "-f", file.toString()).out())
          .contains("already locked, left as it is");
      CliRun.Result un = run("unlock", "-f", file.toString());
      assertThat(un.out()).contains("unlocked " + file).contains("removed " + note);
      assertThat(note).doesNotExist();
      assertThat(Store.get(agent, key)).isNull();
      assertThat(run("unlock", "-f", file.toString()).out()).contains("was not locked");
      assertThat(run("out", "-k", "hosts", "-f", file.toString()).code()).isZero();
    }

    @Test
    void relativePathsAreMadeAbsoluteBeforeHashing() {
      Path cwd = Path.of("").toAbsolutePath();
      run("lock", "-f", "relative.conf", "--hostname", "web-2");
      assertThat(
              Store.get(agent, KeyLayout.lock("kvexpress", cwd.resolve("relative.conf"), "web-2")))
          .isNotNull();
      run("unlock", "-f", "relative.conf", "--hostname", "web-2");
      assertThat(cwd.resolve("relative.conf.locked")).doesNotExist();
    }
  }

  @Nested
  class Raw {
    @Test
    void writesAnyKeyWithModeAndExec() throws IOException {
      Store.put(agent, "some/app/config", "line one\nline two\n");
      Path file = tmp.resolve("app.conf");
      Path marker = tmp.resolve("ran");
      CliRun.Result r =
          run(
              "raw",
              "-k",
              "some/app/config",
              "-f",
              file.toString(),
              "-l",
              "2",
              "-m",
              "0600",
              "-e",
              "touch " + marker);
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(Files.readString(file)).isEqualTo("line one\nline two\n");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
          .isEqualTo("rw-------");
      assertThat(marker).exists();
      Files.delete(marker);
      assertThat(
              run(
                      "raw",
                      "-k",
                      "some/app/config",
                      "-f",
                      file.toString(),
                      "-l",
                      "2",
                      "-e",
                      "touch " + marker)
                  .err())
          .contains("result=current");
      assertThat(marker).as("no exec when current").doesNotExist();
    }

    @Test
    void missingKeyAndTooShortAreRefusedWithNothingWritten() {
      Path file = tmp.resolve("x");
      assertThat(run("raw", "-k", "no/such", "-f", file.toString()).code()).isEqualTo(3);
      Store.put(agent, "short", "one\n");
      assertThat(run("raw", "-k", "short", "-f", file.toString(), "-l", "2").code()).isEqualTo(3);
      assertThat(file).doesNotExist();
    }
  }

  @Nested
  class Copy {
    @Test
    void copiesDataChecksumAndMetaAndIsANoOpTwice() {
      publish("src", Lines.hosts(10));
      publish("dst", Lines.hosts(15));
      CliRun.Result r = run("copy", "--from", "src", "--to", "dst");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(Store.data(agent, "kvexpress", "dst")).isEqualTo(canonical(Lines.hosts(10)));
      assertThat(Store.get(agent, "kvexpress/dst/last").bytes())
          .isEqualTo(canonical(Lines.hosts(15)));
      Store.assertConsistent(agent, "kvexpress", "dst");
      long index = Store.get(agent, "kvexpress/dst/data").modifyIndex();
      assertThat(run("copy", "--from", "src", "--to", "dst").out())
          .contains("already holds this version");
      assertThat(Store.get(agent, "kvexpress/dst/data").modifyIndex()).isEqualTo(index);
    }

    @Test
    void refusesMissingOrUnverifiedSourceWritingNothing() {
      assertThat(run("copy", "--from", "none", "--to", "dst").code()).isEqualTo(3);
      publish("src", Lines.hosts(10));
      Store.put(agent, "kvexpress/src/checksum", "0".repeat(64));
      CliRun.Result r = run("copy", "--from", "src", "--to", "dst");
      assertThat(r.code()).isEqualTo(3);
      assertThat(r.err()).contains("does not verify");
      assertThat(keys().keySet()).noneMatch(k -> k.startsWith("kvexpress/dst/"));
      assertThat(run("copy", "--from", "src", "--to", "src").code()).isEqualTo(2);
    }

    @Test
    void faultsLeaveTheDestinationOldOrNew() {
      publish("src", Lines.hosts(10));
      publish("dst", Lines.hosts(15));
      for (Fault f : Fault.values()) {
        agent.failWhen(q -> q.path().equals("/v1/txn"), f, 1);
        CliRun.Result r = run("copy", "--from", "src", "--to", "dst", "--retry-for", "3s");
        assertThat(r.code()).as(f + ": " + r.err()).isZero();
        Store.assertConsistent(agent, "kvexpress", "dst");
      }
    }
  }

  @Nested
  class Rollback {
    @Test
    void swapsLastAndCurrentAndIsUndoneByRunningItAgain() {
      publish("hosts", Lines.hosts(10));
      publish("hosts", Lines.hosts(12));
      CliRun.Result r = run("rollback", "-k", "hosts");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(Store.data(agent, "kvexpress", "hosts")).isEqualTo(canonical(Lines.hosts(10)));
      assertThat(Store.get(agent, "kvexpress/hosts/last").bytes())
          .isEqualTo(canonical(Lines.hosts(12)));
      Store.assertConsistent(agent, "kvexpress", "hosts");
      assertThat(run("rollback", "-k", "hosts").code()).isZero();
      assertThat(Store.data(agent, "kvexpress", "hosts")).isEqualTo(canonical(Lines.hosts(12)));
      Store.assertConsistent(agent, "kvexpress", "hosts");
    }

    @Test
    void worksWhileStoppedAsInTheDrill() {
      publish("hosts", Lines.hosts(10));
      publish("hosts", Lines.hosts(12));
      run("stop", "-k", "hosts", "-r", "rolling back");
      assertThat(run("rollback", "-k", "hosts").code()).isZero();
    }

    @Test
    void nothingToRollBackOrUnverifiableLastIs3WithNothingWritten() {
      assertThat(run("rollback", "-k", "hosts").code()).isEqualTo(3);
      publish("hosts", Lines.hosts(10));
      CliRun.Result none = run("rollback", "-k", "hosts");
      assertThat(none.code()).isEqualTo(3);
      assertThat(none.err()).contains("reason=nothing_to_roll_back");
      publish("hosts", Lines.hosts(12));
      Store.put(agent, "kvexpress/hosts/last", Lines.hosts(99));
      Map<String, Store.Value> before = keys();
      CliRun.Result bad = run("rollback", "-k", "hosts");
      assertThat(bad.code()).isEqualTo(3);
      assertThat(bad.err()).contains("reason=checksum_mismatch");
      assertThat(keys()).usingRecursiveComparison().isEqualTo(before);
    }

    @Test
    void faultsLeaveTheKeyOldOrNew() {
      publish("hosts", Lines.hosts(10));
      publish("hosts", Lines.hosts(12));
      for (Fault f : Fault.values()) {
        agent.failWhen(q -> q.path().equals("/v1/txn"), f, 1);
        CliRun.Result r = run("rollback", "-k", "hosts", "--retry-for", "3s");
        assertThat(r.code()).as(f + ": " + r.err()).isZero();
        Store.assertConsistent(agent, "kvexpress", "hosts");
      }
    }
  }

  @Nested
  class StatusAndDiff {
    /**
     * A datacenter that cannot be read is "unreadable" for every key, also for a key that only a
     * datacenter read after it shows (it said "missing" there: a guess, not what was seen).
     */
    @Test
    void statusOverDatacentersNamesAnUnreadableOneForEveryKey() {
      publish("hosts", Lines.hosts(10));
      CliRun.Result r = run("status", "--datacenters", "dc9,dc1");
      assertThat(r.code()).as(r.all()).isOne();
      assertThat(r.out())
          .containsPattern("(?m)^hosts\\s+dc9\\s+-\\s+-\\s+unreadable$")
          .containsPattern("(?m)^hosts\\s+dc1\\s+[0-9a-f]{12}\\s+\\S+\\s+-$")
          .doesNotContain("missing");
    }

    @Test
    void statusTableAndJson() {
      publish("hosts", Lines.hosts(10));
      publish("hosts", Lines.hosts(12));
      run("stop", "-k", "hosts", "-r", "frozen");
      run("lock", "-f", tmp.resolve("f").toString());
      CliRun.Result table = run("status");
      assertThat(table.code()).isZero();
      assertThat(table.out())
          .contains("KEY")
          .containsPattern("(?m)^hosts\\s+12\\s+\\d+\\s+plain\\s+[0-9a-f]{12}\\s+\\d+ ")
          .contains("frozen")
          .contains("LOCKED FILE")
          .contains("web-1");
      CliRun.Result json = run("status", "-k", "hosts", "--json");
      JsonObject o = JsonParser.parseString(json.out()).getAsJsonObject();
      JsonObject k = o.getAsJsonArray("keys").get(0).getAsJsonObject();
      assertThat(k.get("key").getAsString()).isEqualTo("hosts");
      assertThat(k.get("lines").getAsInt()).isEqualTo(12);
      assertThat(k.get("checksum").getAsString())
          .isEqualTo(Checksum.sha256Hex(canonical(Lines.hosts(12))));
      assertThat(k.get("has_last").getAsBoolean()).isTrue();
      assertThat(k.get("verified").getAsBoolean()).isTrue();
      assertThat(k.get("stop").getAsString()).startsWith("frozen");
      assertThat(k.keySet())
          .containsExactly(
              "key",
              "lines",
              "bytes",
              "encoding",
              "checksum",
              "modify_index",
              "published_at",
              "published_by",
              "stop",
              "stop_expired",
              "has_last",
              "verified",
              "chunks",
              "signature",
              "staged",
              "convergence",
              "nodes",
              "latency",
              "slots");
      assertThat(run("status", "-k", "nope").code()).isEqualTo(3);
    }

    @Test
    void emptyStatusSaysSo() {
      assertThat(run("status").out()).contains("nothing published under kvexpress/");
    }

    @Test
    void diffFromLastAndFromAFileExitsAsDiffDoes() throws IOException {
      publish("hosts", Lines.hosts(10));
      publish("hosts", Lines.hosts(11));
      CliRun.Result d = run("diff", "-k", "hosts");
      assertThat(d.code()).as("different: 1, as diff(1)").isOne();
      assertThat(d.out())
          .startsWith("--- kvexpress/hosts/last\n+++ kvexpress/hosts/data\n")
          .contains("+10.0.0.11 host-10");
      Path local = tmp.resolve("local");
      Files.write(local, canonical(Lines.hosts(11)));
      CliRun.Result same = run("diff", "-k", "hosts", "-f", local.toString());
      assertThat(same.out()).isEmpty();
      assertThat(same.code()).as("the same: 0").isZero();
      assertThat(run("diff", "-k", "nope").code()).as("trouble: 2").isEqualTo(2);
      assertThat(run("diff", "-k", "hosts", "-f", tmp.resolve("missing").toString()).code())
          .isEqualTo(2);
      assertThat(run("diff", "-k", "hosts", "-f", tmp.toString()).err())
          .as("a directory is named in words")
          .contains("cannot read -f " + tmp + ": is a directory")
          .doesNotContain("Exception");
    }
  }

  @Test
  void cleanRemovesLeftoversButNeverTheFile() throws IOException {
    Path file = tmp.resolve("app.conf");
    Files.writeString(file, "keep me\n");
    Path ours = tmp.resolve(".app.conf.kvexpress-dead.tmp");
    Path goCompare = tmp.resolve("app.conf.compare");
    Path goLast = tmp.resolve("app.conf.last");
    for (Path p : new Path[] {ours, goCompare, goLast}) {
      Files.writeString(p, "x");
      Files.setLastModifiedTime(p, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
    }
    Path unrelated = tmp.resolve("other.conf.compare");
    Files.writeString(unrelated, "x");
    CliRun.Result r = CliRun.cli().run("clean", "-f", file.toString());
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .contains("removed " + ours)
        .contains("removed " + goCompare)
        .contains("removed " + goLast);
    assertThat(file).hasContent("keep me");
    assertThat(unrelated).exists();
    assertThat(CliRun.cli().run("clean", "-f", file.toString()).out()).contains("nothing to clean");
  }

  @Test
  void everyOperatorCommandReportsAnUnreachableConsulAs1() {
    String[][] commands = {
      {"stop", "-k", "a", "-r", "x"},
      {"resume", "-k", "a"},
      {"lock", "-f", "/tmp/x"},
      {"unlock", "-f", "/tmp/x"},
      {"raw", "-k", "a", "-f", "/tmp/x"},
      {"copy", "--from", "a", "--to", "b"},
      {"status"},
      {"rollback", "-k", "a"},
      {"diff", "-k", "a"}
    };
    for (String[] c : commands) {
      String[] args =
          Stream.concat(Arrays.stream(c), Stream.of("-s", "127.0.0.1:1", "--retry-for", "300ms"))
              .toArray(String[]::new);
      CliRun.Result r = CliRun.cli().run(args);
      // diff says trouble as diff(1) does.
      int expected = c[0].equals("diff") ? 2 : 1;
      assertThat(r.code()).as(String.join(" ", c) + ": " + r.err()).isEqualTo(expected);
      assertThat(r.err()).contains("cannot reach Consul at 127.0.0.1:1");
    }
    assertThat(Http.get(agent.url("/v1/kv/?keys")).body().strip()).isEqualTo("[]");
  }
}
