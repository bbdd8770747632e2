package org.kvexpress.apply;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.kvexpress.core.Canonicalizer;
import org.kvexpress.core.Checksum;
import org.kvexpress.core.Encoding;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.testing.Backend;
import org.kvexpress.testing.BackendExtension;
import org.kvexpress.testing.CliRun;
import org.kvexpress.testing.Http;
import org.kvexpress.testing.Jar;
import org.kvexpress.testing.Lines;
import org.kvexpress.testing.Store;

/** {@code kvexpress out} end to end against the dev agent, on real temp directories. */
@ExtendWith(BackendExtension.class)
class OutCommandIT {
  private Backend agent;
  @TempDir Path tmp;
  private Path target;

  @BeforeEach
  void start(Backend backend) throws IOException {
    agent = backend;
    target = tmp.resolve("etc/hosts.consul");
  }

  private CliRun.Result publish(String content, String... extra) {
    List<String> args = new ArrayList<>(List.of("in", "-k", "hosts"));
    args.addAll(List.of(extra));
    CliRun.Result r =
        CliRun.against(agent.address()).stdin(content).run(args.toArray(new String[0]));
    assertThat(r.code()).as(r.err()).isZero();
    return r;
  }

  private CliRun.Result out(String... extra) {
    List<String> args = new ArrayList<>(List.of("out", "-k", "hosts", "-f", target.toString()));
    args.addAll(List.of(extra));
    return CliRun.against(agent.address()).run(args.toArray(new String[0]));
  }

  private static byte[] canonical(String s) {
    return Canonicalizer.canonicalize(s.getBytes()).bytes();
  }

  private List<Path> leftovers() throws IOException {
    try (Stream<Path> s = Files.list(target.getParent())) {
      return s.filter(p -> p.getFileName().toString().contains(".kvexpress-")).toList();
    }
  }

  /**
   * A key watch's handler: Consul passes the watched pair on stdin (docs/reference.md, "As a Consul
   * watch handler").
   */
  @Nested
  class WatchHandlerStdin {
    private String pair(String key, String value) {
      return "{\"Key\":\""
          + key
          + "\",\"CreateIndex\":5,\"ModifyIndex\":9,\"LockIndex\":0,\"Flags\":0,"
          + "\"Value\":\""
          + Base64.getEncoder().encodeToString(value.getBytes())
          + "\",\"Session\":\"\"}\n";
    }

    private CliRun.Result handler(String stdin, String... extra) {
      List<String> args = new ArrayList<>(List.of("out", "-k", "hosts", "-f", target.toString()));
      args.addAll(List.of(extra));
      return CliRun.against(agent.address()).stdin(stdin).run(args.toArray(new String[0]));
    }

    @Test
    void theWatchedChecksumOfACurrentFileCostsNoRequest() throws IOException {
      publish(Lines.hosts(20));
      assertThat(out().code()).isZero();
      String sum = Store.get(agent, "kvexpress/hosts/checksum").text();
      Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-------"));
      agent.clearRequests();
      CliRun.Result r = handler(pair("kvexpress/hosts/checksum", sum), "-m", "0644");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.err())
          .contains("result=current")
          .contains("path=watch_stdin")
          .contains("repaired=mode");
      assertThat(agent.requests()).as("no request at all").isEmpty();
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target)))
          .isEqualTo("rw-r--r--");
    }

    @Test
    void anythingElseTakesTheNormalPath() throws IOException {
      publish(Lines.hosts(20));
      assertThat(out().code()).isZero();
      String old = Store.get(agent, "kvexpress/hosts/checksum").text();
      publish(Lines.hosts(21));
      String sum = Store.get(agent, "kvexpress/hosts/checksum").text();
      // The watch delivered the new checksum, which the file does not have yet; then other shapes,
      // each after the file was set back to the old version.
      for (String stdin :
          List.of(
              pair("kvexpress/hosts/checksum", sum),
              "null\n",
              pair("kvexpress/other/checksum", old),
              pair("kvexpress/hosts/checksum", old + "0"),
              "{\"Key\": \"kvexpress/hosts/che",
              "garbage",
              "")) {
        agent.clearRequests();
        Files.write(target, canonical(Lines.hosts(20)));
        CliRun.Result r = handler(stdin);
        assertThat(r.code()).as(stdin + ": " + r.err()).isZero();
        assertThat(r.err()).as(stdin).contains("path=consul").contains("result=applied");
        assertThat(agent.requests()).as(stdin).isNotEmpty();
      }
      assertThat(target).hasBinaryContent(canonical(Lines.hosts(21)));
    }

    @Test
    void anOpenPipeThatSendsNothingIsNeverWaitedOn() throws Exception {
      publish(Lines.hosts(20));
      Process p =
          Jar.command(
                  Map.of("CONSUL_HTTP_ADDR", agent.address()),
                  "out",
                  "-k",
                  "hosts",
                  "-f",
                  target.toString())
              .redirectInput(ProcessBuilder.Redirect.PIPE)
              .redirectErrorStream(true)
              .start();
      try {
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("finished with stdin open").isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(target).exists();
      } finally {
        p.getOutputStream().close();
        p.destroyForcibly();
      }
    }
  }

  @Nested
  class Applying {
    @Test
    void writesTheVerifiedFileWithModeCreatingParentsAndReloads() throws IOException {
      publish(Lines.hosts(10));
      Path marker = tmp.resolve("reloaded");
      CliRun.Result r = out("-m", "0644", "-e", "echo \"$KVEXPRESS_FILE\" > " + marker);
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(Files.readAllBytes(target)).isEqualTo(canonical(Lines.hosts(10)));
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target)))
          .isEqualTo("rw-r--r--");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target.getParent())))
          .isEqualTo("rwxr-xr-x");
      assertThat(Files.readString(marker).trim()).isEqualTo(target.toString());
      assertThat(r.err()).contains("result=applied lines=10");
      assertThat(leftovers()).isEmpty();
    }

    @Test
    void defaultModeIs0640AndAnExistingModeIsKept() throws IOException {
      publish(Lines.hosts(10));
      out();
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target)))
          .isEqualTo("rw-r-----");
      Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-rw-r--"));
      publish(Lines.hosts(11));
      out();
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target)))
          .isEqualTo("rw-rw-r--");
    }

    @Test
    void gzipDataIsDecoded() throws IOException {
      publish(Lines.hosts(40), "-z");
      assertThat(out().code()).isZero();
      assertThat(Files.readAllBytes(target)).isEqualTo(canonical(Lines.hosts(40)));
    }

    @Test
    void currentFileIsANoOpThatRepairsModeAndRunsNoReload() throws IOException {
      publish(Lines.hosts(10));
      out("-m", "0600");
      Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-rw-rw-"));
      long modified = Files.getLastModifiedTime(target).toMillis();
      Path marker = tmp.resolve("reloaded");
      CliRun.Result r = out("-m", "0600", "-e", "touch " + marker);
      assertThat(r.code()).isZero();
      assertThat(r.err()).contains("result=current").contains("repaired=mode");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target)))
          .isEqualTo("rw-------");
      assertThat(marker).doesNotExist();
      assertThat(Files.getLastModifiedTime(target).toMillis()).isEqualTo(modified);
    }

    @Test
    void ownerIsSet() throws IOException {
      publish(Lines.hosts(10));
      // As root (CI runs as root) the file goes to another user, nobody:nogroup, so a -o that did
      // nothing would fail; without root only one's own user is possible, which then proves only
      // that -o parses.
      boolean root = System.getProperty("user.name").equals("root");
      String user = root ? "nobody" : System.getProperty("user.name");
      String group =
          root ? "nogroup" : Files.readAttributes(tmp, PosixFileAttributes.class).group().getName();
      CliRun.Result r = out("-o", user + ":" + group);
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(Files.getOwner(target).getName()).isEqualTo(user);
      assertThat(Files.readAttributes(target, PosixFileAttributes.class).group().getName())
          .isEqualTo(group);
    }

    @Test
    void checkRunsOnTheStagedFile() throws IOException {
      publish(Lines.hosts(10));
      Path seen = tmp.resolve("seen");
      CliRun.Result r = out("--check", "cp {} " + seen + " && grep -q host-9 {}");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(Files.readAllBytes(seen)).isEqualTo(canonical(Lines.hosts(10)));
    }

    @Test
    void symlinkedTargetKeepsItsLink() throws IOException {
      publish(Lines.hosts(10));
      Path real = tmp.resolve("real/hosts");
      Files.createDirectories(real.getParent());
      Files.writeString(real, "old\n");
      Files.createDirectories(target.getParent());
      Files.createSymbolicLink(target, real);
      assertThat(out().code()).isZero();
      assertThat(Files.isSymbolicLink(target)).isTrue();
      assertThat(Files.readAllBytes(real)).isEqualTo(canonical(Lines.hosts(10)));
    }

    @Test
    void dryRunWritesNothing() {
      publish(Lines.hosts(10));
      CliRun.Result r = out("--dry-run", "-e", "touch " + tmp.resolve("x"));
      assertThat(r.code()).isZero();
      assertThat(r.err()).contains("result=would_apply");
      assertThat(target).doesNotExist();
      assertThat(tmp.resolve("x")).doesNotExist();
    }

    @Test
    void consulWatchHandlerStdinIsNeverRead() {
      publish(Lines.hosts(10));
      // A watch passes the KV pair as JSON on stdin; out must neither block on nor need it.
      CliRun.Result r =
          CliRun.against(agent.address())
              .env("CONSUL_INDEX", "42")
              .stdin("{\"Key\":\"kvexpress/hosts/checksum\"}\n")
              .run("out", "-k", "hosts", "-f", target.toString());
      assertThat(r.code()).isZero();
      assertThat(
              CliRun.against(agent.address())
                  .stdin("null\n")
                  .run("out", "-k", "hosts", "-f", target.toString())
                  .err())
          .contains("result=current");
    }
  }

  @Nested
  class Refusals {
    @Test
    void nothingPublishedIs3AndCreatesNoFile() {
      CliRun.Result r = out();
      assertThat(r.code()).isEqualTo(3);
      assertThat(r.err()).contains("nothing published under kvexpress/hosts/");
      assertThat(target.getParent()).doesNotExist();
    }

    @Test
    void anUnreadablePublishTimeInMetaStillAppliesWithoutALatency() throws IOException {
      publish(Lines.hosts(10));
      String meta = Store.get(agent, "kvexpress/hosts/meta").text();
      Store.put(
          agent,
          "kvexpress/hosts/meta",
          meta.replaceFirst("\"time\":\"[^\"]*\"", "\"time\":\"yesterday\""));
      Path marker = tmp.resolve("reloaded");
      CliRun.Result r = out("--report", "--hostname", "node-a", "-e", "touch " + marker);
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.err()).contains("result=applied").doesNotContain("latency_ms");
      assertThat(Files.readAllBytes(target)).isEqualTo(canonical(Lines.hosts(10)));
      assertThat(marker).exists();
      assertThat(Store.get(agent, "kvexpress/hosts/nodes/node-a").text())
          .contains("\"result\":\"applied\"")
          .contains("\"appliedAt\":\"");
    }

    @Test
    void corruptedChecksumIs3AndTheFileIsUntouched() throws IOException {
      publish(Lines.hosts(10));
      Files.createDirectories(target.getParent());
      Files.writeString(target, "old\n");
      Store.put(agent, "kvexpress/hosts/checksum", "0".repeat(64));
      CliRun.Result r = out();
      assertThat(r.code()).isEqualTo(3);
      assertThat(r.err()).contains("reason=checksum_mismatch");
      assertThat(Files.readString(target)).isEqualTo("old\n");
      assertThat(leftovers()).isEmpty();
    }

    @Test
    void tooShortIs3() {
      publish("a\nb\n", "-l", "1");
      assertThat(out().code()).isEqualTo(3);
      assertThat(target).doesNotExist();
      assertThat(out("-l", "2").code()).isZero();
    }

    @Test
    void undecodableDataAndGzipBombsAre3() throws Exception {
      byte[] notGzip = "definitely not gzip".getBytes();
      Http.put(agent.url("/v1/kv/kvexpress/hosts/data?flags=2"), notGzip);
      Store.put(agent, "kvexpress/hosts/checksum", Checksum.sha256Hex(notGzip));
      assertThat(out().err()).contains("not valid gzip");
      Http.put(agent.url("/v1/kv/kvexpress/hosts/data?flags=1"), notGzip);
      assertThat(out().err()).contains("brotli");
      Http.put(agent.url("/v1/kv/kvexpress/hosts/data?flags=9"), notGzip);
      assertThat(out().code()).isEqualTo(3);
      byte[] bomb = Encoding.GZIP.encode(new byte[200 << 20]);
      assertThat(bomb.length).isLessThan(524_288);
      Http.put(agent.url("/v1/kv/kvexpress/hosts/data?flags=2"), bomb);
      CliRun.Result r = out("--max-bytes", String.valueOf(10 << 20));
      assertThat(r.code()).isEqualTo(3);
      assertThat(r.err()).contains("possible gzip bomb");
      assertThat(target).doesNotExist();
    }

    @Test
    void stopKeyHalts4UnlessIgnored() {
      publish(Lines.hosts(10));
      Store.put(agent, "kvexpress/hosts/stop", "bad deploy");
      CliRun.Result r = out();
      assertThat(r.code()).isEqualTo(4);
      assertThat(r.err()).contains("reason=stop_key").contains("bad deploy");
      assertThat(target).doesNotExist();
      assertThat(out("--ignore-stop").code()).isZero();
    }

    @Test
    void nodeLockHalts4AtGoKvexpressPath() {
      publish(Lines.hosts(10));
      Store.put(agent, KeyLayout.lock("kvexpress", target, "node-1"), "debugging dns");
      CliRun.Result r = out();
      assertThat(r.code()).isEqualTo(4);
      assertThat(r.err()).contains("reason=locked").contains("debugging dns");
      assertThat(out("--hostname", "node-2").code()).as("another node is not locked").isZero();
    }

    @Test
    void softTurnsHaltsAndRefusalsInto0() {
      assertThat(
              CliRun.against(agent.address())
                  .run("--soft", "out", "-k", "hosts", "-f", target.toString())
                  .code())
          .isZero();
    }

    @Test
    void unknownOwnerAndInvalidModeAre2() {
      assertThat(out("-o", "no-such-user-xyz").code()).isEqualTo(2);
      assertThat(out("-o", "root:no-such-group-xyz").err()).contains("unknown group");
      CliRun.Result mode = out("-m", "999");
      assertThat(mode.code()).isEqualTo(2);
      assertThat(mode.err()).contains("not an octal file mode");
      assertThat(out("-m", "4755").err()).contains("setuid");
      assertThat(out("-c", "4755").err())
          .as("-c is Go's integer")
          .contains("is not a permission set");
    }

    @Test
    void targetIsADirectoryFailsAndLeavesItIntact() throws IOException {
      publish(Lines.hosts(10));
      Files.createDirectories(target.resolve("inside"));
      CliRun.Result r = out();
      assertThat(r.code()).isNotZero();
      assertThat(r.err()).contains("is a directory");
      assertThat(target.resolve("inside")).isDirectory();
    }

    @Test
    void unwritableDirectoryIs1NamingThePath() throws IOException {
      publish(Lines.hosts(10));
      Path blocker = tmp.resolve("file-not-dir");
      Files.writeString(blocker, "x");
      CliRun.Result r =
          CliRun.against(agent.address())
              .run("out", "-k", "hosts", "-f", blocker.resolve("sub/hosts").toString());
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err()).contains(blocker.resolve("sub").toString());
    }

    @Test
    void failingCheckIs3WithTheFileUntouched() throws IOException {
      publish(Lines.hosts(10));
      Files.createDirectories(target.getParent());
      Files.writeString(target, "old\n");
      CliRun.Result r = out("--check", "echo syntax error; exit 1");
      assertThat(r.code()).isEqualTo(3);
      assertThat(r.err()).contains("reason=check_failed").contains("syntax error");
      assertThat(Files.readString(target)).isEqualTo("old\n");
      assertThat(leftovers()).isEmpty();
    }

    @Test
    void hangingReloadIs1WithinTheTimeoutPlus5Seconds() {
      publish(Lines.hosts(10));
      long start = System.nanoTime();
      CliRun.Result r = out("-e", "sleep 60 & sleep 60", "--exec-timeout", "1s");
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err())
          .contains("reason=reload_failed")
          .contains("did not finish within --exec-timeout");
      assertThat(ms).isLessThan(6_000);
    }

    @Test
    void failingReloadWithRestorePutsThePreviousFileBack() throws IOException {
      publish(Lines.hosts(10));
      out();
      byte[] good = Files.readAllBytes(target);
      publish(Lines.hosts(11));
      Path count = tmp.resolve("count");
      CliRun.Result r =
          out(
              "--restore-on-failure",
              "-e",
              "echo x >> " + count + "; grep -q host-10 " + target + " && exit 1; exit 0");
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err()).contains("restored the previous").contains("reloaded it successfully");
      assertThat(Files.readAllBytes(target)).isEqualTo(good);
      assertThat(Files.readAllLines(count)).hasSize(2);
      assertThat(leftovers()).isEmpty();
    }

    @Test
    void consulDownIs1AfterBoundedRetries() {
      CliRun.Result r =
          CliRun.cli()
              .run(
                  "out",
                  "-k",
                  "hosts",
                  "-f",
                  target.toString(),
                  "-s",
                  "127.0.0.1:1",
                  "--retry-for",
                  "1s");
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err()).contains("cannot reach Consul at 127.0.0.1:1");
    }
  }

  @Test
  void fiveConcurrentOutsLeaveACompleteFileAndNoTempFiles() throws Exception {
    publish(Lines.hosts(2000));
    ExecutorService pool = Executors.newFixedThreadPool(5);
    try {
      List<Future<CliRun.Result>> runs = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        runs.add(pool.submit(() -> out()));
      }
      for (Future<CliRun.Result> f : runs) {
        assertThat(f.get().code()).as(f.get().err()).isZero();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(Files.readAllBytes(target)).isEqualTo(canonical(Lines.hosts(2000)));
    assertThat(leftovers()).isEmpty();
  }

  @Test
  void staleTempFilesOfACrashedWriterAreRemovedOnTheNextRun() throws IOException {
    publish(Lines.hosts(10));
    Files.createDirectories(target.getParent());
    Path stale = target.resolveSibling("." + target.getFileName() + ".kvexpress-dead.tmp");
    Files.writeString(stale, "partial");
    Path young = target.resolveSibling("." + target.getFileName() + ".kvexpress-young.tmp");
    Files.writeString(young, "maybe a live writer");
    Files.setLastModifiedTime(stale, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
    assertThat(out().code()).isZero();
    assertThat(young).as("too young to tell from a live writer").exists();
    assertThat(stale).doesNotExist();
    Map<String, Store.Value> keys = Store.read(agent, "kvexpress/");
    assertThat(keys).containsKey("kvexpress/hosts/data");
  }
}
