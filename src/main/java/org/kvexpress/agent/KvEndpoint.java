package org.kvexpress.agent;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.kvexpress.core.GoDuration;

/**
 * GET, PUT and DELETE on /v1/kv/, with blocking queries (Consul's KV read API; Consul's blocking
 * queries).
 */
final class KvEndpoint {
  static final Duration DEFAULT_WAIT = Duration.ofSeconds(300);
  static final Duration MAX_WAIT = Duration.ofSeconds(600);

  private final KvState state;
  private final long maxValueSize;
  private final Executor executor;
  private final ScheduledExecutorService scheduler;

  KvEndpoint(
      KvState state, long maxValueSize, Executor executor, ScheduledExecutorService scheduler) {
    this.state = state;
    this.maxValueSize = maxValueSize;
    this.executor = executor;
    this.scheduler = scheduler;
  }

  /**
   * Answers the call now, or parks it as a blocking query and answers later; returns null when
   * parked.
   */
  Reply handle(Call call, String key) {
    Reply invalid = key.isEmpty() ? null : validateKey(key);
    if (invalid != null) {
      return invalid;
    }
    String method = call.request().method();
    if (method.equals("GET")) {
      return get(call, key);
    }
    return method.equals("PUT") ? put(call, key) : delete(call, key);
  }

  // ---- reads ----

  /** The answer to a read at this moment, with the index it carries. */
  private record ReadResult(long index, Reply reply, boolean missing) {}

  private Reply get(Call call, String key) {
    boolean keys = call.has("keys");
    boolean recurse = call.has("recurse");
    if (!keys && !recurse && key.isEmpty()) {
      return Reply.text(400, "Missing key name");
    }
    long minIndex = 0;
    Duration wait = DEFAULT_WAIT;
    if (call.param("index") != null) {
      try {
        minIndex = Long.parseUnsignedLong(call.param("index"));
      } catch (NumberFormatException e) {
        return Reply.text(400, "Invalid index");
      }
    }
    if (call.param("wait") != null) {
      wait = GoDuration.parse(call.param("wait"));
      if (wait == null) {
        return Reply.text(400, "Invalid wait time");
      }
    }
    if (!keys && !recurse && call.anonymous()) {
      return Reply.text(403, Acl.deniedText("key:read", key));
    }
    Read read =
        () -> keys ? readKeys(call, key) : recurse ? readTree(call, key) : readKey(call, key);
    if (minIndex == 0) {
      return read.now().reply();
    }
    return park(call, read, minIndex, waitWithJitter(wait));
  }

  private interface Read {
    ReadResult now();
  }

  private ReadResult readKey(Call call, String key) {
    synchronized (state) {
      KvState.Entry e = state.get(key);
      long index = state.keyIndex(key);
      if (e == null) {
        return new ReadResult(index, Reply.empty(404).queryMeta(index), true);
      }
      if (call.has("raw")) {
        Reply r =
            new Reply(200, Reply.TEXT, e.value())
                .header("X-Content-Type-Options", "nosniff")
                .header("Content-Security-Policy", "sandbox");
        return new ReadResult(index, r.queryMeta(index), false);
      }
      return new ReadResult(
          index, Reply.json(200, List.of(json(e, true)), call.pretty()).queryMeta(index), false);
    }
  }

  private ReadResult readTree(Call call, String prefix) {
    synchronized (state) {
      long index = state.prefixIndex(prefix);
      // An anonymous token sees nothing: list reads are filtered silently, not denied (Consul's ACL
      // rules).
      List<KvState.Entry> entries = call.anonymous() ? List.of() : state.list(prefix);
      if (entries.isEmpty()) {
        return new ReadResult(index, Reply.empty(404).queryMeta(index), true);
      }
      List<Object> out = new ArrayList<>();
      entries.forEach(e -> out.add(json(e, true)));
      return new ReadResult(index, Reply.json(200, out, call.pretty()).queryMeta(index), false);
    }
  }

  private ReadResult readKeys(Call call, String prefix) {
    String sep =
        call.param("separator") != null ? call.param("separator") : call.param("seperator");
    synchronized (state) {
      long index = state.prefixIndex(prefix);
      List<KvState.Entry> entries = call.anonymous() ? List.of() : state.list(prefix);
      Set<String> names = new LinkedHashSet<>();
      for (KvState.Entry e : entries) {
        String k = e.key();
        if (sep != null && !sep.isEmpty()) {
          int cut = k.indexOf(sep, prefix.length());
          if (cut >= 0) {
            k = k.substring(0, cut + sep.length());
          }
        }
        names.add(k);
      }
      if (names.isEmpty() && !prefix.isEmpty()) {
        return new ReadResult(index, Reply.empty(404).queryMeta(index), true);
      }
      return new ReadResult(
          index, Reply.json(200, new ArrayList<>(names), call.pretty()).queryMeta(index), false);
    }
  }

  /**
   * Parks a blocking query. It answers when the read's index passes the client's, or when the wait
   * ends. A key that is still missing raises the target instead of answering, so unrelated writes
   * do not end the wait (Consul's blocking queries).
   */
  private Reply park(Call call, Read read, long minIndex, Duration wait) {
    Parked parked = new Parked(call, read, minIndex);
    ReadResult first;
    synchronized (state) {
      first = read.now();
      if (first.index() > minIndex) {
        return first.reply();
      }
      synchronized (parked) {
        parked.wasMissing = first.missing();
      }
      state.addListener(parked.listener);
    }
    parked.timer =
        scheduler.schedule(
            () -> parked.finish(read.now().reply()), wait.toMillis(), TimeUnit.MILLISECONDS);
    return null;
  }

  /**
   * One blocking query waiting for its index to pass its target: polled after every write, answered
   * once (by a write that passes the target, or by its timer).
   */
  private final class Parked {
    private final Call call;
    private final Read read;
    private final boolean singleKey;
    private final AtomicBoolean done = new AtomicBoolean();
    private final Runnable listener = () -> executor.execute(this::poll);
    private long target;
    private boolean wasMissing;
    private volatile ScheduledFuture<?> timer;

    Parked(Call call, Read read, long minIndex) {
      this.call = call;
      this.read = read;
      this.singleKey = !call.has("keys") && !call.has("recurse");
      this.target = minIndex;
    }

    private void poll() {
      if (done.get()) {
        return;
      }
      ReadResult r = read.now();
      synchronized (this) {
        if (singleKey && r.missing() && wasMissing) {
          target = Math.max(target, r.index());
          return;
        }
        wasMissing = r.missing();
        if (r.index() <= target) {
          return;
        }
      }
      finish(r.reply());
    }

    void finish(Reply reply) {
      if (done.compareAndSet(false, true)) {
        state.removeListener(listener);
        ScheduledFuture<?> t = timer;
        if (t != null) {
          t.cancel(false);
        }
        call.respond().accept(reply);
      }
    }
  }

  private static Duration waitWithJitter(Duration requested) {
    Duration wait = requested;
    if (wait.isZero() || wait.isNegative()) {
      wait = DEFAULT_WAIT;
    }
    if (wait.compareTo(MAX_WAIT) > 0) {
      wait = MAX_WAIT;
    }
    long jitter = ThreadLocalRandom.current().nextLong(Math.max(1, wait.toMillis() / 16));
    return wait.plusMillis(jitter);
  }

  // ---- writes ----

  private Reply put(Call call, String key) {
    if (key.isEmpty()) {
      return Reply.text(400, "Missing key name");
    }
    Reply conflict = conflictingFlags(call, "cas", "acquire", "release");
    if (conflict != null) {
      return conflict;
    }
    long flags = 0;
    if (call.param("flags") != null) {
      Long f = parseUint(call.param("flags"));
      if (f == null) {
        return Reply.text(
            500, "strconv.ParseUint: parsing \"" + call.param("flags") + "\": invalid syntax");
      }
      flags = f;
    }
    Long cas = null;
    if (call.param("cas") != null) {
      cas = parseUint(call.param("cas"));
      if (cas == null) {
        return Reply.text(
            500, "strconv.ParseUint: parsing \"" + call.param("cas") + "\": invalid syntax");
      }
    }
    String session = call.param("acquire") != null ? call.param("acquire") : call.param("release");
    if (call.contentLength() > maxValueSize) {
      return Reply.text(
          413,
          "Request body("
              + call.contentLength()
              + " bytes) too large, max size: "
              + maxValueSize
              + " bytes. See https://developer.hashicorp.com/docs/agent/config/config-files#kv_max_value_size.");
    }
    if (call.bodyOverflow() || call.request().body().length > maxValueSize) {
      return Reply.text(413, "Request body too large. Max allowed is " + maxValueSize + " bytes.");
    }
    if (call.anonymous()) {
      return Reply.text(403, Acl.deniedText("key:write", key));
    }
    if (session != null) {
      // The dev agent has no sessions, so every session id is unknown, as it would be to Consul.
      return Reply.text(500, "invalid session \"" + session + "\"");
    }
    byte[] value = call.request().body();
    long f = flags;
    Long c = cas;
    boolean ok =
        state.transact(
            txn -> {
              KvState.Entry old = txn.table.get(key);
              if (c != null && (c == 0 ? old != null : old == null || old.modifyIndex() != c)) {
                return false;
              }
              KvState.stageSet(txn, key, value, f);
              return true;
            });
    return Reply.json(200, ok, false);
  }

  private Reply delete(Call call, String key) {
    boolean recurse = call.has("recurse");
    if (key.isEmpty() && !recurse) {
      return Reply.text(400, "Missing key name");
    }
    Reply conflict = conflictingFlags(call, "recurse", "cas");
    if (conflict != null) {
      return conflict;
    }
    Long cas = null;
    if (call.param("cas") != null) {
      cas = parseUint(call.param("cas"));
      if (cas == null) {
        return Reply.text(
            500, "strconv.ParseUint: parsing \"" + call.param("cas") + "\": invalid syntax");
      }
    }
    if (call.anonymous()) {
      return Reply.text(403, Acl.deniedText("key:write", key));
    }
    Long c = cas;
    boolean ok =
        state.transact(
            txn -> {
              if (recurse) {
                KvState.stageDeleteTree(txn, key);
                return true;
              }
              KvState.Entry old = txn.table.get(key);
              if (c != null && old != null && old.modifyIndex() != c) {
                return false;
              }
              KvState.stageDelete(txn, key);
              return true;
            });
    return Reply.json(200, ok, false);
  }

  private static Reply conflictingFlags(Call call, String... exclusive) {
    int present = 0;
    for (String f : exclusive) {
      if (call.has(f)) {
        present++;
      }
    }
    if (present <= 1) {
      return null;
    }
    // Go's url.Values.Encode(): keys sorted, values escaped.
    Map<String, String> sorted = new TreeMap<>(call.query());
    StringBuilder b = new StringBuilder();
    sorted.forEach(
        (k, v) -> {
          if (b.length() > 0) {
            b.append('&');
          }
          b.append(URLEncoder.encode(k, StandardCharsets.UTF_8))
              .append('=')
              .append(URLEncoder.encode(v, StandardCharsets.UTF_8));
        });
    return Reply.text(400, "Conflicting flags: " + b + "\n");
  }

  /** Consul 1.22 key validation (Consul's KV write API): failures are plain errors, so HTTP 500. */
  static Reply validateKey(String key) {
    if (key.isEmpty()) {
      return Reply.text(500, "empty key name is not allowed");
    }
    if (key.startsWith(" ") || key.endsWith(" ")) {
      return Reply.text(500, "invalid key name, leading/trailing spaces are not allowed");
    }
    for (String segment : key.split("/", -1)) {
      if (segment.equals("..")) {
        return Reply.text(500, "invalid key name, path traversal is not allowed");
      }
    }
    String unescaped;
    try {
      unescaped = URLDecoder.decode(key.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      unescaped = key;
    }
    if (!unescaped.equals(key)) {
      if (unescaped.contains("..")) {
        return Reply.text(500, "invalid key name, path traversal is not allowed");
      }
      if (unescaped.contains(" ")) {
        return Reply.text(500, "invalid key name, leading/trailing spaces are not allowed");
      }
    }
    return null;
  }

  static Long parseUint(String s) {
    try {
      return Long.parseUnsignedLong(s);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** A DirEntry as Consul's HTTP API writes it; Session is omitted when empty. */
  static Map<String, Object> json(KvState.Entry e, boolean withValue) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("LockIndex", 0);
    m.put("Key", e.key());
    m.put("Flags", new GoJson.UnsignedLong(e.flags()));
    m.put("Value", !withValue || e.base64() == null ? null : new GoJson.Plain(e.base64()));
    m.put("CreateIndex", new GoJson.UnsignedLong(e.createIndex()));
    m.put("ModifyIndex", new GoJson.UnsignedLong(e.modifyIndex()));
    return m;
  }
}
