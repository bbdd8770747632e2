package org.kvexpress.core;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where kvexpress keeps things in Consul: {@code <prefix>/<key>/{data,checksum,last,meta,stop}}, a
 * signed version's {@code signature} and {@code last-signature}, a chunked version's {@code
 * chunks/} and {@code pending}, and node locks at {@code <prefix>/locks/<sha256(absolute
 * path)>/<hostname>} (the Go kvexpress layout).
 */
public record KeyLayout(String prefix, String key) {
  public static final String DATA = "data";
  public static final String CHECKSUM = "checksum";
  public static final String LAST = "last";
  public static final String META = "meta";
  public static final String STOP = "stop";
  public static final String NODES = "nodes";
  public static final String SIGNATURE = "signature";
  public static final String LAST_SIGNATURE = "last-signature";
  public static final String CHUNKS = "chunks";
  public static final String PENDING = "pending";
  public static final String STAGED = "staged";
  public static final String SLOTS = "slots";

  /** The child key of a stop or lock that says when it ends by itself ({@link Freeze}). */
  public static final String UNTIL = "/until";

  public KeyLayout {
    KeyNames.validateKey("prefix", prefix);
    KeyNames.validateKey("key", key);
  }

  /** The folder of this key, with its trailing slash: what one recurse GET reads. */
  public String dir() {
    return prefix + "/" + key + "/";
  }

  public String data() {
    return dir() + DATA;
  }

  public String checksum() {
    return dir() + CHECKSUM;
  }

  public String last() {
    return dir() + LAST;
  }

  public String meta() {
    return dir() + META;
  }

  public String stop() {
    return dir() + STOP;
  }

  /**
   * When a stop set with {@code --for} ends ({@link Freeze}): beside the stop, never in its text.
   */
  public String stopUntil() {
    return stop() + UNTIL;
  }

  /** The signature statement of the current version ({@code in --sign-key}). */
  public String signature() {
    return dir() + SIGNATURE;
  }

  /** The signature statement of {@code last}, so a rollback keeps it. */
  public String lastSignature() {
    return dir() + LAST_SIGNATURE;
  }

  /** Folder of a chunked version's chunks, with its trailing slash. */
  public String chunksDir() {
    return dir() + CHUNKS + "/";
  }

  /** One chunk, named by the SHA-256 of its plain bytes. */
  public String chunk(String sha256) {
    return chunksDir() + sha256;
  }

  /**
   * The registry of publishes that are writing chunks, whose chunks garbage collection must keep.
   */
  public String pending() {
    return dir() + PENDING;
  }

  /**
   * Folder of the staged version ({@code in --stage}): data, checksum, meta and signature, as for
   * current.
   */
  public String stagedDir() {
    return dir() + STAGED + "/";
  }

  public String stagedData() {
    return stagedDir() + DATA;
  }

  public String stagedChecksum() {
    return stagedDir() + CHECKSUM;
  }

  public String stagedMeta() {
    return stagedDir() + META;
  }

  public String stagedSignature() {
    return stagedDir() + SIGNATURE;
  }

  /** The staged version's keys. */
  public List<String> stagedKeys() {
    return List.of(stagedData(), stagedChecksum(), stagedMeta(), stagedSignature());
  }

  /** Every key a version read needs, in one request: not the chunks, not the node reports. */
  public List<String> versionKeys() {
    List<String> keys =
        new ArrayList<>(
            List.of(
                data(),
                checksum(),
                last(),
                meta(),
                stop(),
                stopUntil(),
                signature(),
                lastSignature(),
                pending()));
    keys.addAll(stagedKeys());
    return List.copyOf(keys);
  }

  /** Folder of the node reports of this key, with its trailing slash. */
  public String nodesDir() {
    return dir() + NODES + "/";
  }

  /**
   * Folder of the reload slots ({@code out --reload-slots}): one contender key per waiting or
   * holding session, and the table {@link #slotTable()}; with its trailing slash.
   */
  public String slotsDir() {
    return dir() + SLOTS + "/";
  }

  /** The reload slots' table: the semaphore's limit and holders ({@link SlotTable}). */
  public String slotTable() {
    return slotsDir() + ".lock";
  }

  /** The report key of one node. */
  public String nodeReport(String hostname) {
    return nodesDir() + hostname;
  }

  /** Folder of all node locks of one file, with its trailing slash. */
  public static String lockDir(String prefix, Path file) {
    return prefix
        + "/locks/"
        + Checksum.sha256Hex(file.toAbsolutePath().normalize().toString())
        + "/";
  }

  /** The lock key of one file on one node. */
  public static String lock(String prefix, Path file, String hostname) {
    return lockDir(prefix, file) + hostname;
  }

  /** When that lock, set with {@code --for}, ends ({@link Freeze}). */
  public static String lockUntil(String prefix, Path file, String hostname) {
    return lock(prefix, file, hostname) + UNTIL;
  }
}
