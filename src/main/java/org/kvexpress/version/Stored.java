package org.kvexpress.version;

import java.util.List;
import org.kvexpress.core.Encoding;
import org.kvexpress.core.Manifest;
import org.kvexpress.core.Version;

/**
 * How a version is stored: the value of {@code data} (the content, plain or gzip, or a manifest of
 * chunks) and, when its chunks still have to be written under the key, those chunks in their
 * encoding. A rollback or a promote reuses a version whose chunks are already there ({@link
 * #inPlace}); {@code in} and {@code copy} get theirs from {@link VersionStore#encode}.
 */
public record Stored(Version version, List<byte[]> newChunks, Encoding chunkEncoding) {

  /** A version already stored under this key (its chunks, if any, are there): committed as is. */
  public static Stored inPlace(Version version) {
    return new Stored(version, null, null);
  }

  /** {@code plain} as a manifest of chunks in {@code encoding}, the chunks still to be written. */
  public static Stored inChunks(byte[] plain, String checksum, Encoding encoding) {
    List<byte[]> parts = Manifest.split(plain);
    Manifest manifest = Manifest.of(plain, parts, encoding);
    return new Stored(new Version(manifest.toJson(), Manifest.FLAGS, checksum), parts, encoding);
  }

  /** Whether data is a manifest of chunks. */
  public boolean chunked() {
    return version.chunked();
  }

  /** The manifest of a chunked version (it is the value of data). */
  public Manifest manifest() {
    return Manifest.parse(version.stored(), "the new version");
  }
}
