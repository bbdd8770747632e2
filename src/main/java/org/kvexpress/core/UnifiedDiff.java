package org.kvexpress.core;

import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import com.github.difflib.patch.Patch;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Unified diffs of configuration bytes through java-diff-utils. Bytes are mapped 1:1 to chars
 * (ISO-8859-1) and back, so non-UTF-8 content is shown exactly as stored.
 */
public final class UnifiedDiff {
  private UnifiedDiff() {}

  /** The diff from {@code before} to {@code after}, or an empty array when they are equal. */
  public static byte[] diff(String beforeLabel, byte[] before, String afterLabel, byte[] after, int context) {
    List<String> a = lines(before);
    List<String> b = lines(after);
    Patch<String> patch = DiffUtils.diff(a, b);
    if (patch.getDeltas().isEmpty()) {
      return new byte[0];
    }
    List<String> out = UnifiedDiffUtils.generateUnifiedDiff(beforeLabel, afterLabel, a, patch, context);
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    for (String line : out) {
      buf.writeBytes(line.getBytes(StandardCharsets.ISO_8859_1));
      buf.write('\n');
    }
    return buf.toByteArray();
  }

  private static List<String> lines(byte[] content) {
    if (content == null || content.length == 0) {
      return List.of();
    }
    String s = new String(content, StandardCharsets.ISO_8859_1);
    if (s.endsWith("\n")) {
      s = s.substring(0, s.length() - 1);
    }
    return Arrays.asList(s.split("\n", -1));
  }
}
