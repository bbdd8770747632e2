package org.kvexpress.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.kvexpress.apply.Applier;
import org.kvexpress.apply.ApplyInput;
import org.kvexpress.apply.Watcher;
import org.kvexpress.core.KeyLayout;
import org.kvexpress.core.Result;
import org.kvexpress.exec.CommandRunner;
import org.kvexpress.fs.FileSettings;
import org.kvexpress.kv.ConsulAddress;
import org.kvexpress.kv.ConsulKvStore;
import org.kvexpress.kv.ConsulSettings;
import org.kvexpress.kv.KvStore;
import org.kvexpress.kv.TlsSettings;
import org.kvexpress.log.Log;
import org.kvexpress.publish.PublishInput;
import org.kvexpress.publish.PublishResult;
import org.kvexpress.publish.Publisher;

/**
 * The fan-out benchmark behind bench/fanout.sh: N simulated nodes in one JVM, each with its own
 * HTTP client, target directory and the real watch-mode applier, against a dev agent. It publishes
 * several versions and reports the time from each publish (the transaction's answer) to each node's
 * file being renamed into place, which the reload hook records in-process (no process is spawned).
 */
public final class Fanout {
  private Fanout() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = parse(args);
    int nodes = Integer.parseInt(a.getOrDefault("nodes", "100"));
    int versions = Integer.parseInt(a.getOrDefault("versions", "5"));
    String addr = a.get("addr");
    long agentPid = Long.parseLong(a.getOrDefault("agent-pid", "0"));
    Path dir =
        Path.of(a.getOrDefault("dir", Files.createTempDirectory("kvexpress-fanout").toString()));
    Log quiet =
        new Log(
            new PrintStream(OutputStream.nullOutputStream()), Clock.systemUTC(), Log.Level.ERROR);
    ConsulSettings settings =
        new ConsulSettings(
            ConsulAddress.parse(addr, false),
            null,
            TlsSettings.DEFAULT,
            null,
            Duration.ofSeconds(20));
    KeyLayout layout = new KeyLayout("kvexpress", "fanout");

    KvStore publisherStore = new ConsulKvStore(settings);
    Publisher publisher = new Publisher(publisherStore, null, quiet, Clock.systemUTC(), "bench");
    publish(publisher, layout, 0);

    // Each node's reload hook records when its file was renamed into place.
    AtomicReference<Long> publishedAt = new AtomicReference<>(0L);
    ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
    AtomicReference<CountDownLatch> applied = new AtomicReference<>(new CountDownLatch(nodes));
    CommandRunner recorder =
        (command, env, timeout) -> {
          long now = System.nanoTime();
          if (publishedAt.get() != 0) {
            latencies.add(now - publishedAt.get());
          }
          applied.get().countDown();
          return new CommandRunner.Result(0, false, "", Duration.ZERO);
        };
    List<Watcher> watchers = new ArrayList<>();
    List<KvStore> stores = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      KvStore store = new ConsulKvStore(settings);
      stores.add(store);
      Watcher w =
          new Watcher(
              store,
              new Applier(store, recorder, quiet, "node-" + i, Clock.systemUTC()),
              quiet,
              Duration.ofMinutes(5),
              Clock.systemUTC(),
              (in, result, failure, millis) -> {});
      watchers.add(w);
      ApplyInput in =
          new ApplyInput(
              layout,
              dir.resolve("node-" + i).resolve("hosts"),
              FileSettings.DEFAULTS,
              new ApplyInput.Guards(1, ApplyInput.DEFAULT_MAX_BYTES, false),
              new ApplyInput.Hooks(null, "record", Duration.ofSeconds(30), Duration.ZERO, false),
              ApplyInput.Mode.APPLY);
      Thread t =
          new Thread(
              () -> {
                try {
                  w.run(List.of(in));
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              },
              "node-" + i);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    await(applied.get(), "initial version");
    Thread.sleep(500); // let every watcher park its blocking query

    long cpuBefore = cpuMillis(agentPid);
    long nodesCpuBefore = cpuMillis(ProcessHandle.current().pid());
    for (int v = 1; v <= versions; v++) {
      applied.set(new CountDownLatch(nodes));
      // The clock starts before the publish call, so a node that applies before it returns still
      // counts.
      publishedAt.set(System.nanoTime());
      publish(publisher, layout, v);
      await(applied.get(), "version " + v);
      publishedAt.set(0L);
      Thread.sleep(300);
    }
    long cpuAfter = cpuMillis(agentPid);
    long nodesCpuAfter = cpuMillis(ProcessHandle.current().pid());

    List<Long> sorted = new ArrayList<>(latencies);
    Collections.sort(sorted);
    System.out.printf(
        "fanout nodes=%d versions=%d samples=%d p50_ms=%.1f p99_ms=%.1f max_ms=%.1f"
            + " agent_cpu_ms_per_publish=%s nodes_cpu_ms_per_publish=%.1f%n",
        nodes,
        versions,
        sorted.size(),
        ms(pct(sorted, 0.50)),
        ms(pct(sorted, 0.99)),
        ms(sorted.get(sorted.size() - 1)),
        agentPid == 0 ? "n/a" : String.format("%.1f", (cpuAfter - cpuBefore) / (double) versions),
        (nodesCpuAfter - nodesCpuBefore) / (double) versions);
    watchers.forEach(Watcher::stop);
    stores.forEach(KvStore::close);
    publisherStore.close();
  }

  /** Publishes version {@code v}: 1,000 host lines, with the version in one of them. */
  private static void publish(Publisher publisher, KeyLayout layout, int v)
      throws InterruptedException {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 1000; i++) {
      b.append("10.0.")
          .append(i / 250)
          .append('.')
          .append(i % 250)
          .append(" host-")
          .append(i)
          .append('\n');
    }
    b.append("# version ").append(v).append('\n');
    PublishResult r =
        publisher.publish(
            new PublishInput(
                layout,
                new PublishInput.Input(b.toString().getBytes(), "bench", false),
                new PublishInput.Guards(1, null, false, Long.MAX_VALUE),
                new PublishInput.Storing(false, null, false, false),
                new PublishInput.Run(false, false, null, Duration.ofSeconds(30))));
    if (r.outcome() != Result.PUBLISHED) {
      throw new IllegalStateException("version " + v + " was " + r.outcome());
    }
  }

  private static void await(CountDownLatch latch, String what) throws InterruptedException {
    if (!latch.await(120, TimeUnit.SECONDS)) {
      throw new IllegalStateException(latch.getCount() + " nodes never applied the " + what);
    }
  }

  /** User plus system CPU time of a process, from /proc (clock ticks of 10 ms on Linux). */
  private static long cpuMillis(long pid) throws IOException {
    if (pid == 0) {
      return 0;
    }
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
  }

  private static long pct(List<Long> sorted, double p) {
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      m.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    return m;
  }
}
