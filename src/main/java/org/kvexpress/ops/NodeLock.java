package org.kvexpress.ops;

/** A node lock as stored: the file's path hash, the node, and the reason (which names the file). */
public record NodeLock(String fileHash, String host, String reason) {}
