package org.kvexpress.kv;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.math.BigInteger;
import java.util.Base64;
import java.util.List;

/** The JSON body of a /v1/txn request (Consul's /v1/txn API), for sending it and for sizing it. */
final class TxnCodec {

  private TxnCodec() {}

  static String encode(List<TxnOp> ops) {
    JsonArray arr = new JsonArray();
    for (TxnOp op : ops) {
      JsonObject kv = new JsonObject();
      kv.addProperty("Verb", op.verb());
      kv.addProperty("Key", op.key());
      if (op.value() != null) {
        kv.addProperty("Value", Base64.getEncoder().encodeToString(op.value()));
      } else {
        kv.add("Value", JsonNull.INSTANCE);
      }
      kv.add("Flags", new JsonPrimitive(new BigInteger(Long.toUnsignedString(op.flags()))));
      kv.add("Index", new JsonPrimitive(new BigInteger(Long.toUnsignedString(op.index()))));
      JsonObject wrap = new JsonObject();
      wrap.add("KV", kv);
      arr.add(wrap);
    }
    return arr.toString();
  }
}
