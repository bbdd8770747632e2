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
  public static byte[] diff(
      String beforeLabel, byte[] before, String afterLabel, byte[] after, int context) {
    if (before.length == 0 || after.length == 0) {
      return wholeFile(beforeLabel, before, afterLabel, after);
    }
    List<String> a = lines(before);
    List<String> b = lines(after);
    Patch<String> patch = DiffUtils.diff(a, b);
    if (patch.getDeltas().isEmpty()) {
      return new byte[0];
    }
    List<String> out =
        UnifiedDiffUtils.generateUnifiedDiff(beforeLabel, afterLabel, a, patch, context);
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    for (String line : out) {
      buf.writeBytes(line.getBytes(StandardCharsets.ISO_8859_1));
      buf.write('\n');
    }
    return buf.toByteArray();
  }

  /**
   * The diff against nothing (a first publish, or an empty side): every line added or removed.
   * Written straight into bytes, because a million-line file would otherwise become two million
   * Strings.
   */
  private static byte[] wholeFile(
      String beforeLabel, byte[] before, String afterLabel, byte[] after) {
    byte[] content = before.length == 0 ? after : before;
    if (content.length == 0) {
      return new byte[0];
    }
    byte sign = (byte) (before.length == 0 ? '+' : '-');
    int count = 0;
    for (byte b : content) {
      if (b == '\n') {
        count++;
      }
    }
    boolean unterminated = content[content.length - 1] != '\n';
    if (unterminated) {
      count++;
    }
    String range = count == 1 ? "1" : "1," + count;
    String header =
        "--- "
            + beforeLabel
            + "\n+++ "
            + afterLabel
            + "\n@@ "
            + (before.length == 0 ? "-0,0 +" + range : "-" + range + " +0,0")
            + " @@\n";
    byte[] head = header.getBytes(StandardCharsets.ISO_8859_1);
    byte[] out = new byte[head.length + content.length + count + (unterminated ? 1 : 0)];
    System.arraycopy(head, 0, out, 0, head.length);
    int pos = head.length;
    boolean lineStart = true;
    for (byte b : content) {
      if (lineStart) {
        out[pos++] = sign;
      }
      out[pos++] = b;
      lineStart = b == '\n';
    }
    if (unterminated) {
      out[pos++] = '\n';
    }
    return out;
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
