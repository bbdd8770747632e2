package org.kvexpress.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.kvexpress.core.Checksum;
import org.kvexpress.core.Encoding;
import org.kvexpress.core.Meta;

/** Reads an agent's keys over HTTP and checks kvexpress's invariants on them. */
public final class Store {
  /** One key as stored. */
  public record Value(byte[] bytes, long flags, long modifyIndex) {
    public String text() {
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }

  private Store() {}

  /** The header that carries the backend's management token, if it has one. */
  /** The headers that authorise a test's own requests on this backend. */
  public static String[] auth(Backend agent) {
    return agent.managementToken() == null
        ? new String[0]
        : new String[] {"X-Consul-Token", agent.managementToken()};
  }

  /** Every key under a prefix, by name. */
  public static Map<String, Value> read(Backend agent, String prefix) {
    Map<String, Value> out = new LinkedHashMap<>();
    HttpResponse<String> r = Http.get(agent.url("/v1/kv/" + prefix + "?recurse"), auth(agent));
    if (r.statusCode() == 404) {
      return out;
    }
    JsonArray arr = JsonParser.parseString(r.body()).getAsJsonArray();
    for (JsonElement e : arr) {
      JsonObject o = e.getAsJsonObject();
      byte[] v =
          o.get("Value").isJsonNull()
              ? new byte[0]
              : Base64.getDecoder().decode(o.get("Value").getAsString());
      out.put(
          o.get("Key").getAsString(),
          new Value(v, o.get("Flags").getAsLong(), o.get("ModifyIndex").getAsLong()));
    }
    return out;
  }

  public static Value get(Backend agent, String key) {
    return read(agent, key).get(key);
  }

  public static void put(Backend agent, String key, String value) {
    assertThat(Http.put(agent.url("/v1/kv/" + key), value, auth(agent)).statusCode())
        .isEqualTo(200);
  }

  /** The decoded current data of a published key. */
  public static byte[] data(Backend agent, String prefix, String key) {
    Value v = get(agent, prefix + "/" + key + "/data");
    return Encoding.fromFlags(v.flags()).decode(v.bytes(), 1L << 30);
  }

  /** Asserts data, checksum, meta and last agree with each other, as a publish must leave them. */
  public static void assertConsistent(Backend agent, String prefix, String key) {
    String dir = prefix + "/" + key + "/";
    Map<String, Value> kv = read(agent, dir);
    Value data = kv.get(dir + "data");
    Value sum = kv.get(dir + "checksum");
    assertThat(data).as("data").isNotNull();
    assertThat(sum).as("checksum").isNotNull();
    byte[] plain = Encoding.fromFlags(data.flags()).decode(data.bytes(), 1L << 30);
    assertThat(Checksum.sha256Hex(plain)).as("checksum of data").isEqualTo(sum.text());
    Value metaValue = kv.get(dir + "meta");
    assertThat(metaValue).as("meta").isNotNull();
    Meta meta = Meta.parse(metaValue.bytes());
    assertThat(meta.checksum()).as("meta checksum").isEqualTo(sum.text());
    Value last = kv.get(dir + "last");
    if (last != null) {
      byte[] lastPlain = Encoding.fromFlags(last.flags()).decode(last.bytes(), 1L << 30);
      assertThat(Checksum.sha256Hex(lastPlain))
          .as("meta lastChecksum names last")
          .isEqualTo(meta.lastChecksum());
    }
  }
}
