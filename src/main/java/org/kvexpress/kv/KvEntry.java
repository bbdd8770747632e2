package org.kvexpress.kv;

/** One key as Consul returns it. {@code flags} is an unsigned 64-bit value kept in a long. */
public record KvEntry(String key, byte[] value, long flags, long createIndex, long modifyIndex) {
  public KvEntry {
    value = value == null ? new byte[0] : value;
  }
}
