package org.kvexpress.publish;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.kvexpress.agent.Fault;
import org.kvexpress.core.Checksum;
import org.kvexpress.core.Encoding;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.Manifest;
import org.kvexpress.core.Meta;
import org.kvexpress.core.Version;
import org.kvexpress.kv.ConsulAddress;
import org.kvexpress.kv.ConsulKvStore;
import org.kvexpress.kv.ConsulSettings;
import org.kvexpress.kv.KvStore;
import org.kvexpress.kv.TlsSettings;
import org.kvexpress.testing.AgentTest;
import org.kvexpress.testing.Await;
import org.kvexpress.testing.CliRun;
import org.kvexpress.testing.Http;
import org.kvexpress.testing.Jar;
import org.kvexpress.testing.Lines;
import org.kvexpress.testing.Store;
import org.kvexpress.version.ChunkStore;
import org.kvexpress.version.Committed;
import org.kvexpress.version.Proposal;
import org.kvexpress.version.Rules;
import org.kvexpress.version.Stored;
import org.kvexpress.version.VersionStore;

/**
 * Versions larger than Consul's 512 KiB value limit, end to end: chunks written first, one guarded
 * switch, nodes that only ever apply a complete version, and garbage collection that never takes a
 * chunk a version (current, last, or one being published) needs. The reading side here is the
 * test's own: it parses the manifest JSON and hashes the chunks itself, so it does not trust the
 * code under test to check itself.
 */
class LargeVersionsIT extends AgentTest {
  private static final String DIR = "kvexpress/big/";

  private CliRun cli() {
    return CliRun.against(agent.address());
  }

  private CliRun.Result in(byte[] content, String... args) {
    List<String> all = new ArrayList<>(List.of("in", "-k", "big", "--verbatim", "-l", "1"));
    all.addAll(List.of(args));
    return cli().stdin(content).run(all.toArray(new String[0]));
  }

  private CliRun.Result out(Path file, String... args) {
    List<String> all =
        new ArrayList<>(List.of("out", "-k", "big", "-f", file.toString(), "-l", "1"));
    all.addAll(List.of(args));
    return cli().run(all.toArray(new String[0]));
  }

  /** The chunk names a stored manifest lists, parsed here from its JSON. */
  private static List<String> manifestChunks(Store.Value v) {
    JsonObject m = JsonParser.parseString(v.text()).getAsJsonObject();
    List<String> names = new ArrayList<>();
    for (JsonElement c : m.getAsJsonArray("chunks")) {
      names.add(c.getAsJsonObject().get("sha256").getAsString());
    }
    return names;
  }

  /** The content of the current version, assembled by the test from the raw chunk values. */
  private byte[] assembled(String dir) {
    Map<String, Store.Value> kv = Store.read(agent, dir);
    Store.Value data = kv.get(dir + "data");
    assertThat(data.flags()).as("data is a manifest").isEqualTo(Manifest.FLAGS);
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (String name : manifestChunks(data)) {
      Store.Value c = kv.get(dir + "chunks/" + name);
      assertThat(c).as("chunk " + name).isNotNull();
      assertThat(c.bytes().length)
          .as("a chunk fits one Consul value")
          .isLessThanOrEqualTo(512 * 1024);
      byte[] plain = Encoding.fromFlags(c.flags()).decode(c.bytes(), 1 << 20);
      assertThat(Checksum.sha256Hex(plain)).as("chunk named by its hash").isEqualTo(name);
      all.writeBytes(plain);
    }
    assertThat(Checksum.sha256Hex(all.toByteArray()))
        .as("checksum names the whole")
        .isEqualTo(kv.get(dir + "checksum").text());
    return all.toByteArray();
  }

  private Set<String> chunkKeys(String dir) {
    Set<String> names = new TreeSet<>();
    for (String k : Store.read(agent, dir + "chunks/").keySet()) {
      names.add(k.substring((dir + "chunks/").length()));
    }
    return names;
  }

  /** What garbage collection must leave: exactly the chunks of data and last. */
  private Set<String> referenced(String dir) {
    Set<String> names = new TreeSet<>();
    for (String part : List.of("data", "last")) {
      Store.Value v = Store.get(agent, dir + part);
      if (v != null && v.flags() == Manifest.FLAGS) {
        names.addAll(manifestChunks(v));
      }
    }
    return names;
  }

  private KvStore store() {
    return new ConsulKvStore(
        new ConsulSettings(
            ConsulAddress.parse(agent.address(), false),
            null,
            TlsSettings.DEFAULT,
            null,
            Duration.ofSeconds(10)));
  }

  @Test
  void oneFiveAndTwentyMegabytesArriveWholeAndOldChunksAreCollected() throws Exception {
    Path file = tmp.resolve("big.conf");
    byte[] previous = null;
    for (int mb : new int[] {1, 5, 20}) {
      byte[] content = Lines.random(mb << 20, mb);
      long t0 = System.nanoTime();
      CliRun.Result published = in(content);
      long publishMs = (System.nanoTime() - t0) / 1_000_000;
      assertThat(published.code()).as(published.err()).isZero();
      assertThat(assembled(DIR)).isEqualTo(content);
      t0 = System.nanoTime();
      CliRun.Result applied = out(file);
      long applyMs = (System.nanoTime() - t0) / 1_000_000;
      assertThat(applied.code()).as(applied.err()).isZero();
      assertThat(Files.readAllBytes(file)).isEqualTo(content);
      System.out.printf(
          "large version on %s: %d MB, %d chunks, in %d ms, out %d ms%n",
          agent.kind(),
          mb,
          manifestChunks(Store.get(agent, DIR + "data")).size(),
          publishMs,
          applyMs);
      Meta meta = Meta.parse(Store.get(agent, DIR + "meta").bytes());
      assertThat(meta.bytes()).isEqualTo(content.length);
      if (previous != null) {
        assertThat(Checksum.sha256Hex(previous))
            .as("meta names last")
            .isEqualTo(meta.lastChecksum());
      }
      assertThat(chunkKeys(DIR))
          .as("only data's and last's chunks are kept")
          .isEqualTo(referenced(DIR));
      previous = content;
    }
    CliRun.Result status = cli().run("status", "-k", "big");
    assertThat(status.out()).contains("big: unsigned; 80 chunks").doesNotContain("!");
    assertThat(cli().run("status", "-k", "big", "--json").out())
        .contains("\"verified\": true")
        .contains("\"chunks\": 80");
  }

  @Test
  void gzipAppliesPerChunkAndAnUnchangedChunkIsNotWrittenAgain() throws Exception {
    byte[] v1 = Lines.random(2_000_000, 30);
    byte[] v2 =
        (new String(v1, StandardCharsets.US_ASCII) + "zz-last-line 1\n")
            .getBytes(StandardCharsets.US_ASCII);
    assertThat(in(v1, "-z").code()).isZero();
    assertThat(in(v2, "-z", "--verbose").err())
        .contains("step=chunks")
        .containsPattern("chunks=(\\d+) written=1 ");
    Map<String, Store.Value> kv = Store.read(agent, DIR + "chunks/");
    assertThat(kv.values()).allMatch(v -> v.flags() == Encoding.GZIP.flags());
    assertThat(assembled(DIR)).isEqualTo(v2);
    Path file = tmp.resolve("hosts");
    assertThat(out(file).code()).isZero();
    assertThat(Files.readAllBytes(file)).isEqualTo(v2);
  }

  @Test
  void copyRollbackDiffAndStatusWorkOnChunkedVersions() throws Exception {
    byte[] v1 = Lines.random(1_500_000, 1);
    byte[] v2 = Lines.random(1_400_000, 2);
    assertThat(in(v1).code()).isZero();
    assertThat(in(v2).code()).isZero();
    CliRun.Result diff = cli().run("diff", "-k", "big");
    assertThat(diff.code()).as("they differ: " + diff.err()).isOne();
    assertThat(diff.out()).startsWith("--- kvexpress/big/last\n+++ kvexpress/big/data\n");
    CliRun.Result copy = cli().run("copy", "--from", "big", "--to", "big2");
    assertThat(copy.code()).as(copy.err()).isZero();
    assertThat(assembled("kvexpress/big2/")).isEqualTo(v2);
    assertThat(chunkKeys("kvexpress/big2/"))
        .as("the copy owns its chunks")
        .isEqualTo(referenced("kvexpress/big2/"));
    CliRun.Result rollback = cli().run("rollback", "-k", "big");
    assertThat(rollback.code()).as(rollback.err()).isZero();
    assertThat(assembled(DIR)).isEqualTo(v1);
    Path file = tmp.resolve("f");
    assertThat(out(file).code()).isZero();
    assertThat(Files.readAllBytes(file)).isEqualTo(v1);
    assertThat(cli().run("status").out())
        .contains("big: unsigned; 6 chunks")
        .contains("big2: unsigned; 6 chunks");
  }

  @Test
  void aChunkMissingForGoodIsRefusedAndTheFileIsLeftAlone() throws Exception {
    Path file = tmp.resolve("f");
    Files.writeString(file, "old\n");
    assertThat(in(Lines.random(1_000_000, 3)).code()).isZero();
    String victim = manifestChunks(Store.get(agent, DIR + "data")).get(1);
    Http.delete(agent.url("/v1/kv/" + DIR + "chunks/" + victim), Store.auth(agent));
    CliRun.Result r = out(file);
    assertThat(r.code()).isEqualTo(3);
    assertThat(r.err()).contains("reason=chunk_missing").contains(victim);
    assertThat(Files.readString(file)).isEqualTo("old\n");
  }

  @Test
  void maxBytesBoundsBothSides() throws Exception {
    byte[] content = Lines.random(2_000_000, 4);
    CliRun.Result refused = in(content, "--max-bytes", "1000000");
    assertThat(refused.code()).isEqualTo(3);
    assertThat(refused.err()).contains("reason=too_large").contains("--max-bytes 1000000");
    assertThat(in(content).code()).isZero();
    Path file = tmp.resolve("f");
    CliRun.Result r = out(file, "--max-bytes", "1000000");
    assertThat(r.code()).isEqualTo(3);
    assertThat(r.err()).contains("reason=too_large");
    assertThat(file).doesNotExist();
  }

  @Test
  void aKeyGoKvexpressWroteIsOnlyChunkedWithForce() {
    // Go kvexpress writes data and checksum, no meta.
    byte[] small = Lines.hosts(20).getBytes(StandardCharsets.US_ASCII);
    Http.put(agent.url("/v1/kv/" + DIR + "data"), small, Store.auth(agent));
    Http.put(agent.url("/v1/kv/" + DIR + "checksum"), Checksum.sha256Hex(small), Store.auth(agent));
    byte[] large = Lines.random(700_000, 5);
    CliRun.Result refused = in(large);
    assertThat(refused.code()).isEqualTo(3);
    assertThat(refused.err()).contains("reason=go_version").contains("--force");
    assertThat(Store.get(agent, DIR + "data").bytes()).isEqualTo(small);
    assertThat(Store.read(agent, DIR + "chunks/")).isEmpty();
    assertThat(in(large, "--force").code()).isZero();
    assertThat(assembled(DIR)).isEqualTo(large);
  }

  /**
   * kill -9 of {@code in} after its first chunk transaction, while later ones are held: the old
   * version stays current and applies; the dead publisher's registration protects its chunks until
   * it is stale, and then the next publish removes both.
   */
  @Test
  void killedBetweenChunkWritesAndTheSwitchLeavesTheOldVersionCurrent() throws Exception {
    byte[] old = Lines.random(300_000, 6); // one value: no chunks before the publish that is killed
    assertThat(in(old).code()).isZero();
    Path input = tmp.resolve("new.txt");
    Files.write(input, Lines.random(5_000_000, 7));
    AtomicInteger chunkWrites = new AtomicInteger();
    AtomicBoolean armed = new AtomicBoolean(true);
    agent.failWhen(
        r ->
            armed.get()
                && r.path().equals("/v1/txn")
                && new String(r.body(), StandardCharsets.UTF_8).contains("\"" + DIR + "chunks/")
                && chunkWrites.incrementAndGet() > 1,
        Fault.DELAY,
        1000);
    Process p =
        Jar.command(
                Map.of("CONSUL_HTTP_ADDR", agent.address()),
                "in",
                "-k",
                "big",
                "--verbatim",
                "-f",
                input.toString())
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("in.log").toFile())
            .start();
    try {
      Await.until(
          "some chunks written before the kill",
          Duration.ofSeconds(30),
          () -> !chunkKeys(DIR).isEmpty());
    } finally {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      armed.set(false);
    }
    Set<String> orphans = new HashSet<>(chunkKeys(DIR));
    orphans.removeAll(referenced(DIR));
    assertThat(orphans).as("the dead publisher's chunks").isNotEmpty();
    assertThat(Store.data(agent, "kvexpress", "big"))
        .as("the old version is still current")
        .isEqualTo(old);
    assertThat(Store.get(agent, DIR + "data").flags()).isZero();
    Path file = tmp.resolve("f");
    assertThat(out(file).code()).isZero();
    assertThat(Files.readAllBytes(file)).isEqualTo(old);
    assertThat(Store.get(agent, DIR + "pending").text()).contains("\"publishes\":[{");

    // The next publish keeps them: the registration is live, its publisher might only be slow.
    byte[] next = Lines.random(700_000, 8);
    assertThat(in(next).code()).isZero();
    assertThat(chunkKeys(DIR)).containsAll(orphans);
    // An hour later (the registration backdated by hand) the next publish removes them.
    String pending =
        Store.get(agent, DIR + "pending")
            .text()
            .replaceAll(
                "\"time\":\"[^\"]+\"",
                "\"time\":\"" + Instant.now().minus(Duration.ofHours(2)) + "\"");
    Http.put(agent.url("/v1/kv/" + DIR + "pending"), pending, Store.auth(agent));
    assertThat(in(Lines.random(600_000, 9)).code()).isZero();
    assertThat(chunkKeys(DIR)).isEqualTo(referenced(DIR));
    assertThat(Store.get(agent, DIR + "pending").text()).isEqualTo("{\"publishes\":[]}");
  }

  /**
   * The collector's race, forced in order: a publisher has staged its chunks (registered, written)
   * when another publish commits and collects. The collector must keep the staged chunks, and the
   * first publisher's switch must still commit a complete version.
   */
  @Test
  void garbageCollectionNeverTakesTheChunksOfAPublishInProgress() throws Exception {
    assertThat(in(Lines.random(900_000, 10)).code()).isZero();
    assertThat(in(Lines.random(900_000, 11)).code()).isZero();
    KeyLayout layout = new KeyLayout("kvexpress", "big");
    byte[] mine = Lines.random(1_100_000, 12);
    try (KvStore store = store()) {
      List<byte[]> parts = Manifest.split(mine);
      Manifest m = Manifest.of(mine, parts, Encoding.PLAIN);
      ChunkStore.Staged staged =
          new ChunkStore(store).stage(layout, m, parts, Encoding.PLAIN, "slow", Instant.now());
      assertThat(in(Lines.random(900_000, 13)).code()).isZero();
      assertThat(in(Lines.random(900_000, 14)).code())
          .as("two publishes and collections meanwhile")
          .isZero();
      assertThat(chunkKeys(DIR)).containsAll(m.names());
      // The slow publisher's switch: its chunks are in place (staged above), so it commits them as
      // is.
      VersionStore versions = new VersionStore(store, Clock.systemUTC(), "slow");
      Proposal proposal =
          Proposal.of(
              Stored.inPlace(new Version(m.toJson(), Manifest.FLAGS, m.checksum())),
              1,
              mine.length,
              "test",
              null);
      Committed c =
          versions.commit(layout, versions.read(layout), seen -> proposal, Rules.publish(layout));
      assertThat(c.outcome()).isEqualTo(Committed.Outcome.COMMITTED);
      new ChunkStore(store).release(layout, staged.id());
    }
    assertThat(assembled(DIR)).isEqualTo(mine);
    Path file = tmp.resolve("f");
    assertThat(out(file).code()).isZero();
    assertThat(Files.readAllBytes(file)).isEqualTo(mine);
  }

  /**
   * Four publishers at once, three versions each, while a node applies: never a torn or missing
   * version.
   */
  @Test
  void concurrentPublishersLeaveAConsistentKeyAndNodesOnlyApplyWholeVersions() throws Exception {
    assertThat(in(Lines.random(700_000, 20)).code()).isZero();
    Set<String> published = new HashSet<>(Set.of(Checksum.sha256Hex(Lines.random(700_000, 20))));
    for (int t = 0; t < 4; t++) {
      for (int v = 0; v < 3; v++) {
        published.add(Checksum.sha256Hex(Lines.random(600_000 + 100_000 * t, 100 + 10 * t + v)));
      }
    }
    ExecutorService pool = Executors.newFixedThreadPool(5);
    try {
      List<Future<List<String>>> results = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        results.add(
            pool.submit(
                () -> {
                  List<String> failed = new ArrayList<>();
                  for (int v = 0; v < 3; v++) {
                    CliRun.Result r =
                        in(
                            Lines.random(600_000 + 100_000 * thread, 100 + 10 * thread + v),
                            "--retry-for",
                            "5s");
                    if (r.code() != 0) {
                      failed.add(r.err());
                    }
                  }
                  return failed;
                }));
      }
      Path file = tmp.resolve("f");
      Future<Integer> node =
          pool.submit(
              () -> {
                int refused = 0;
                while (results.stream().anyMatch(f -> !f.isDone())) {
                  CliRun.Result r = out(file);
                  if (r.code() != 0) {
                    refused++;
                    assertThat(r.err())
                        .as("a node only ever refuses for a missing chunk it then re-reads")
                        .contains("reason=chunk_missing");
                  } else {
                    assertThat(published).contains(Checksum.sha256Hex(Files.readAllBytes(file)));
                  }
                }
                return refused;
              });
      for (Future<List<String>> f : results) {
        assertThat(f.get(120, TimeUnit.SECONDS)).as("failed publishes").isEmpty();
      }
      assertThat(node.get(60, TimeUnit.SECONDS)).as("node refusals").isZero();
    } finally {
      pool.shutdownNow();
    }
    assertThat(published).contains(Checksum.sha256Hex(assembled(DIR)));
    assertThat(Store.get(agent, DIR + "pending").text()).isEqualTo("{\"publishes\":[]}");
    assertThat(chunkKeys(DIR)).containsAll(referenced(DIR));
    assertThat(in(Lines.random(500_000, 99)).code()).isZero();
    assertThat(chunkKeys(DIR)).isEqualTo(referenced(DIR));
  }
}
