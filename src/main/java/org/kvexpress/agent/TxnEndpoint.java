package org.kvexpress.agent;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** PUT /v1/txn: KV operations applied atomically, all or none (Consul's /v1/txn API). */
final class TxnEndpoint {
  /**
   * Consul 1.8.7 to 1.13 allow 64 operations; 1.14 raised it to 128. The stricter limit keeps tests
   * honest.
   */
  static final int MAX_OPS = 64;

  private static final Set<String> TOP_FIELDS = Set.of("KV");
  private static final Set<String> KV_FIELDS =
      Set.of("Verb", "Key", "Value", "Flags", "Index", "Session", "Namespace", "Partition");
  private static final Set<String> WRITE_VERBS =
      Set.of("set", "cas", "lock", "unlock", "delete", "delete-cas", "delete-tree");

  /** Reads whose results Consul filters by ACL instead of denying. */
  private static final Set<String> FILTERED_READS = Set.of("get", "get-tree");

  private final KvState state;
  private final long maxValueSize;
  private final long maxTxnBytes;

  TxnEndpoint(KvState state, long maxValueSize, long maxTxnBytes) {
    this.state = state;
    this.maxValueSize = maxValueSize;
    this.maxTxnBytes = maxTxnBytes;
  }

  private record Op(
      String verb, String key, byte[] value, long flags, long index, String session) {}

  Reply handle(Call call) {
    long limit = Math.max(maxTxnBytes, maxValueSize);
    if (call.contentLength() > limit) {
      return Reply.text(
          413,
          "Request body("
              + call.contentLength()
              + " bytes) too large, max size: "
              + limit
              + " bytes. See https://developer.hashicorp.com/docs/agent/config/config-files#txn_max_req_len.");
    }
    if (call.bodyOverflow()) {
      return Reply.text(
          413,
          "Request body too large, max size: "
              + limit
              + " bytes. See https://developer.hashicorp.com/docs/agent/config/config-files#txn_max_req_len.");
    }
    List<Op> ops;
    try {
      ops = parse(call.request().body());
    } catch (IllegalArgumentException | JsonParseException | IllegalStateException e) {
      return Reply.text(400, "Failed to parse body: " + e.getMessage());
    }
    if (ops.size() > MAX_OPS) {
      return Reply.text(
          413, "Transaction contains too many operations (" + ops.size() + " > " + MAX_OPS + ")");
    }
    for (Op op : ops) {
      if (op.value() != null && op.value().length > maxValueSize) {
        return Reply.text(
            413,
            "Value for key \""
                + op.key()
                + "\" is too large ("
                + op.value().length
                + " > "
                + maxValueSize
                + " bytes)");
      }
    }
    // Consul takes the read path (no Raft, query meta in the answer) unless an op is a known write
    // verb.
    boolean readOnly = ops.stream().noneMatch(op -> WRITE_VERBS.contains(op.verb()));
    List<Object> results = new ArrayList<>();
    List<Object> errors = new ArrayList<>();
    if (call.anonymous()) {
      // Consul authorises every op but the reads before applying any: writes (check-not-exists
      // among them) need key:write, check-index and check-session key:read. Denials come back as a
      // rollback (Consul's /v1/txn API).
      for (int i = 0; i < ops.size(); i++) {
        String verb = ops.get(i).verb();
        if (!FILTERED_READS.contains(verb)) {
          String perm =
              verb.equals("check-index") || verb.equals("check-session") ? "key:read" : "key:write";
          errors.add(error(i, Acl.deniedText(perm, ops.get(i).key())));
        }
      }
    }
    if (errors.isEmpty()) {
      state.transact(
          txn -> {
            for (int i = 0; i < ops.size(); i++) {
              String failure = apply(txn, ops.get(i), results);
              if (failure != null) {
                errors.add(error(i, failure));
              }
            }
            return errors.isEmpty();
          });
    }
    if (call.anonymous()) {
      // Reads are filtered on the way out, silently, in every Consul release (DifferentialIT shows
      // it on
      // 1.8.7): the anonymous token may read nothing here, so a denied get-tree looks like a
      // missing key.
      results.clear();
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("Results", errors.isEmpty() ? results : null);
    body.put("Errors", errors.isEmpty() ? null : errors);
    if (readOnly) {
      // Read-only transactions skip Raft and carry the query meta in the body too, failed or not.
      body.put("Index", 0);
      body.put("LastContact", 0);
      body.put("KnownLeader", true);
      body.put("ConsistencyLevel", "leader");
      body.put("NotModified", false);
      body.put("Backend", 0);
      body.put("ResultsFilteredByACLs", false);
    }
    Reply r = Reply.json(errors.isEmpty() ? 200 : 409, body, call.pretty());
    if (!errors.isEmpty()) {
      r.headers.put("Content-Type", "application/json; charset=utf-8");
    }
    if (readOnly) {
      r.header("X-Consul-Knownleader", "true").header("X-Consul-Lastcontact", "0");
    }
    return r;
  }

  /** Applies one op to the transaction view; returns Consul's failure text, or null. */
  private static String apply(KvState.Txn txn, Op op, List<Object> results) {
    String k = op.key();
    KvState.Entry cur = txn.table.get(k);
    switch (op.verb()) {
      case "set":
        results.add(result(KvState.stageSet(txn, k, value(op), op.flags()), false));
        return null;
      case "cas":
        if (op.index() == 0 ? cur != null : cur == null || cur.modifyIndex() != op.index()) {
          return "failed to set key \"" + k + "\", index is stale";
        }
        results.add(result(KvState.stageSet(txn, k, value(op), op.flags()), false));
        return null;
      case "lock":
      case "unlock":
        return "invalid session \"" + op.session() + "\"";
      case "get":
        if (cur == null) {
          return "key \"" + k + "\" doesn't exist";
        }
        results.add(result(cur, true));
        return null;
      case "get-tree":
        KvState.tree(txn, k).values().forEach(e -> results.add(result(e, true)));
        return null;
      case "check-index":
        if (cur == null) {
          return "failed to check index, key \"" + k + "\" doesn't exist";
        }
        if (cur.modifyIndex() != op.index()) {
          return "failed index check for key \""
              + k
              + "\", current modify index "
              + cur.modifyIndex()
              + " != "
              + op.index();
        }
        results.add(result(cur, false));
        return null;
      case "check-session":
        if (cur == null) {
          return "failed to check session, key \"" + k + "\" doesn't exist";
        }
        if (!"".equals(op.session() == null ? "" : op.session())) {
          return "failed session check for key \""
              + k
              + "\", current session \"\" != \""
              + op.session()
              + "\"";
        }
        results.add(result(cur, false));
        return null;
      case "check-not-exists":
        return cur != null ? "key \"" + k + "\" exists" : null;
      case "delete":
        KvState.stageDelete(txn, k);
        return null;
      case "delete-tree":
        KvState.stageDeleteTree(txn, k);
        return null;
      case "delete-cas":
        if (cur != null && cur.modifyIndex() != op.index()) {
          return "failed to delete key \"" + k + "\", index is stale";
        }
        KvState.stageDelete(txn, k);
        return null;
      default:
        return "unknown KV operation: " + op.verb();
    }
  }

  private static byte[] value(Op op) {
    return op.value() == null ? new byte[0] : op.value();
  }

  private static Map<String, Object> result(KvState.Entry e, boolean withValue) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("KV", KvEndpoint.json(e, withValue));
    return m;
  }

  private static Map<String, Object> error(int opIndex, String what) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("OpIndex", opIndex);
    m.put("What", what);
    return m;
  }

  private static List<Op> parse(byte[] body) {
    String text = new String(body, StandardCharsets.UTF_8);
    if (text.isBlank()) {
      throw new IllegalArgumentException("EOF");
    }
    JsonElement root = JsonParser.parseString(text);
    List<Op> ops = new ArrayList<>();
    if (root.isJsonNull()) {
      return ops;
    }
    if (!root.isJsonArray()) {
      throw new IllegalArgumentException(
          "json: cannot unmarshal object into Go value of type api.TxnOps");
    }
    for (JsonElement item : (JsonArray) root) {
      JsonObject o = item.getAsJsonObject();
      for (String f : o.keySet()) {
        if (!TOP_FIELDS.contains(f)) {
          throw new IllegalArgumentException("json: unknown field \"" + f + "\"");
        }
      }
      JsonObject kv = o.getAsJsonObject("KV");
      if (kv == null) {
        throw new IllegalArgumentException(
            "only KV operations are supported by the kvexpress dev agent");
      }
      for (String f : kv.keySet()) {
        if (!KV_FIELDS.contains(f)) {
          throw new IllegalArgumentException("json: unknown field \"" + f + "\"");
        }
      }
      byte[] value =
          kv.has("Value") && !kv.get("Value").isJsonNull()
              ? Base64.getDecoder().decode(kv.get("Value").getAsString())
              : null;
      ops.add(
          new Op(
              str(kv, "Verb"),
              str(kv, "Key"),
              value,
              uint(kv, "Flags"),
              uint(kv, "Index"),
              str(kv, "Session")));
    }
    return ops;
  }

  private static String str(JsonObject o, String f) {
    return o.has(f) && !o.get(f).isJsonNull() ? o.get(f).getAsString() : "";
  }

  private static long uint(JsonObject o, String f) {
    if (!o.has(f) || o.get(f).isJsonNull()) {
      return 0;
    }
    return Long.parseUnsignedLong(o.get(f).getAsBigInteger().toString());
  }
}
