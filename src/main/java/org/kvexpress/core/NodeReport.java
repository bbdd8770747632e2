package org.kvexpress.core;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;

/**
 * What one node last did with a key, at {@code <prefix>/<key>/nodes/<hostname>}: the checksum of
 * the file on its disk afterwards, the published checksum it saw, the result (applied, current,
 * refused, halted, failed) and reason, the reload's exit code, and when; the publish time of the
 * version on its disk and when the node wrote it (null when unknown), so status can show
 * publish-to-apply latency; and whether the node is a canary ({@code out --canary}; null
 * otherwise); with the rollout brakes, what went wrong or is worth knowing ({@code detail}: the
 * failing check, "unhealthy before the apply"), how long the node waited for a reload slot and how
 * long its checks took to pass (null when not asked).
 */
public record NodeReport(
    String checksum,
    String published,
    String result,
    String reason,
    Integer reloadExit,
    String time,
    String publishedAt,
    String appliedAt,
    Boolean canary,
    String detail,
    Long slotWaitMs,
    Long healthyMs) {

  /** Seconds from publish to apply, or null when either time is unknown. */
  public Double latencySeconds() {
    return latencySeconds(publishedAt, appliedAt);
  }

  /**
   * Seconds from {@code publishedAt} to {@code appliedAt} (ISO-8601 instants), or null when either
   * is unknown or unreadable: the publish time comes from meta, which a hand edit or another tool
   * may have written.
   */
  public static Double latencySeconds(String publishedAt, String appliedAt) {
    try {
      return publishedAt == null || appliedAt == null
          ? null
          : Duration.between(Instant.parse(publishedAt), Instant.parse(appliedAt)).toMillis()
              / 1000.0;
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  public boolean isCanary() {
    return Boolean.TRUE.equals(canary);
  }

  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

  public byte[] toJson() {
    return GSON.toJson(this).getBytes(StandardCharsets.UTF_8);
  }

  /** The same report but for its time: writing it again would tell nobody anything new. */
  public boolean sameAs(NodeReport other) {
    return other != null
        && Objects.equals(checksum, other.checksum)
        && Objects.equals(published, other.published)
        && Objects.equals(result, other.result)
        && Objects.equals(reason, other.reason)
        && Objects.equals(reloadExit, other.reloadExit)
        && Objects.equals(publishedAt, other.publishedAt)
        && Objects.equals(appliedAt, other.appliedAt)
        && Objects.equals(canary, other.canary)
        && Objects.equals(detail, other.detail);
  }

  public static NodeReport parse(byte[] json) {
    if (json == null || json.length == 0) {
      return null;
    }
    try {
      return GSON.fromJson(new String(json, StandardCharsets.UTF_8), NodeReport.class);
    } catch (JsonParseException | IllegalStateException e) {
      return null;
    }
  }
}
