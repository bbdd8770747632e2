package org.kvexpress.agent;

import java.util.Map;
import java.util.function.Consumer;

/**
 * One request on its way through the agent: what was asked, who asked (the resolved ACL identity),
 * and how to answer, now or later (a parked blocking query answers from another thread).
 */
record Call(
    RecordedRequest request,
    Map<String, String> query,
    String identity,
    boolean pretty,
    long contentLength,
    boolean bodyOverflow,
    Consumer<Reply> respond) {

  boolean has(String flag) {
    return query.containsKey(flag);
  }

  String param(String name) {
    return query.get(name);
  }

  boolean anonymous() {
    return Acl.ANONYMOUS.equals(identity);
  }
}
