package org.kvexpress.core;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What the data key holds when a version is too large for one Consul value: the list of its chunks,
 * in order, each named by the SHA-256 of its plain bytes and stored once under {@code
 * <key>/chunks/<sha256>}, and the checksum and size of the whole. Data with {@link #FLAGS} holds
 * this JSON. Pure: splitting, parsing and assembling verified chunks, no I/O.
 */
public record Manifest(
    String format, String checksum, long bytes, String encoding, List<Chunk> chunks) {
  /** The data key's Flags for a manifest (0 plain, 1 brotli, 2 gzip are single values). */
  public static final long FLAGS = 3;

  /** The format marker, so a future layout can be told apart. */
  public static final String FORMAT = "kvexpress-chunks/1";

  /**
   * Plain bytes per chunk: a chunk's set op in base64 (4/3) plus its key stays well under Consul's
   * 512 KiB per value and per transaction body, even when gzip makes incompressible data a little
   * larger.
   */
  public static final int CHUNK_BYTES = 256 * 1024;

  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  /** One chunk: the SHA-256 of its plain bytes (its name) and their length. */
  public record Chunk(String sha256, int bytes) {}

  /**
   * Splits content into chunks of at most {@link #CHUNK_BYTES}; the manifest describes them in
   * order.
   */
  public static List<byte[]> split(byte[] content) {
    List<byte[]> parts = new ArrayList<>();
    for (int at = 0; at < content.length; at += CHUNK_BYTES) {
      parts.add(Arrays.copyOfRange(content, at, Math.min(content.length, at + CHUNK_BYTES)));
    }
    return parts;
  }

  /**
   * The manifest of content split by {@link #split}, with the encoding its chunks are stored in.
   */
  public static Manifest of(byte[] content, List<byte[]> parts, Encoding encoding) {
    List<Chunk> chunks = new ArrayList<>(parts.size());
    for (byte[] p : parts) {
      chunks.add(new Chunk(Checksum.sha256Hex(p), p.length));
    }
    return new Manifest(
        FORMAT, Checksum.sha256Hex(content), content.length, encoding.label(), List.copyOf(chunks));
  }

  public byte[] toJson() {
    return GSON.toJson(this).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Reads a stored manifest. Anything that is not one this version understands is refused: a node
   * must not guess at what a version consists of.
   */
  public static Manifest parse(byte[] json, String what) {
    Manifest m;
    try {
      m = GSON.fromJson(new String(json, StandardCharsets.UTF_8), Manifest.class);
    } catch (JsonParseException | IllegalStateException e) {
      m = null;
    }
    if (m == null
        || !FORMAT.equals(m.format())
        || m.checksum() == null
        || m.chunks() == null
        || m.chunks().isEmpty()
        || m.chunks().stream()
            .anyMatch(
                c ->
                    c == null
                        || c.sha256() == null
                        || !SHA256.matcher(c.sha256()).matches()
                        || c.bytes() <= 0
                        || c.bytes() > CHUNK_BYTES)
        || m.chunks().stream().mapToLong(Chunk::bytes).sum() != m.bytes()) {
      throw KvexpressException.because(
          Reason.UNDECODABLE,
          what
              + " has Flags="
              + FLAGS
              + " (chunked) but is not a "
              + FORMAT
              + " manifest; republish it with kvexpress in");
    }
    return m;
  }

  /** The distinct chunk names, in first-use order. */
  public List<String> names() {
    return chunks.stream().map(Chunk::sha256).distinct().toList();
  }

  /**
   * Joins the chunks' plain bytes (one per entry of {@link #chunks}, in order) after proving each
   * is the chunk the manifest names and the whole is the checksum it claims.
   */
  public byte[] assemble(List<byte[]> plainChunks, String what) {
    ByteArrayOutputStream out =
        new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8, bytes));
    for (int i = 0; i < chunks.size(); i++) {
      Chunk c = chunks.get(i);
      byte[] p = plainChunks.get(i);
      String actual = Checksum.sha256Hex(p);
      if (p.length != c.bytes() || !actual.equals(c.sha256())) {
        throw KvexpressException.because(
            Reason.CHECKSUM_MISMATCH,
            what
                + ": chunk "
                + (i + 1)
                + " of "
                + chunks.size()
                + " has checksum "
                + Checksum.shortForm(actual)
                + " and "
                + p.length
                + " bytes, but the manifest says "
                + Checksum.shortForm(c.sha256())
                + " and "
                + c.bytes());
      }
      out.writeBytes(p);
    }
    byte[] whole = out.toByteArray();
    String actual = Checksum.sha256Hex(whole);
    if (!actual.equals(checksum)) {
      throw KvexpressException.because(
          Reason.CHECKSUM_MISMATCH,
          what
              + ": the chunks join to checksum "
              + Checksum.shortForm(actual)
              + " but the manifest says "
              + Checksum.shortForm(checksum));
    }
    return whole;
  }
}
