package org.kvexpress.metrics;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.kvexpress.core.KvexpressException;

/**
 * Sends metrics as dogstatsd lines over UDP, fire and forget: several lines per datagram (up to a
 * safe 1,432 bytes), a non-blocking socket, and every error swallowed, so metrics never slow or
 * fail a command. A hand-written sender rather than the Datadog client library: measured, that
 * library added about 30 ms to every start (and 3 MB of native-socket jars) for what is a dozen
 * lines of UDP here (docs/observability.md).
 */
public final class StatsdSink {
  private static final int MAX_DATAGRAM = 1432;
  private final InetSocketAddress target;

  private StatsdSink(InetSocketAddress target) {
    this.target = target;
  }

  /**
   * Parses HOST:PORT; the host should be an IP or a name resolvable without delay (usually
   * 127.0.0.1).
   */
  public static StatsdSink parse(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    try {
      int port = Integer.parseInt(hostPort.substring(colon + 1));
      String host = hostPort.substring(0, colon);
      if (colon <= 0 || port <= 0 || port > 65535) {
        throw new NumberFormatException();
      }
      return new StatsdSink(new InetSocketAddress(InetAddress.getByName(host), port));
    } catch (NumberFormatException | StringIndexOutOfBoundsException | UnknownHostException e) {
      throw KvexpressException.usage(
          "--statsd needs HOST:PORT with a resolvable host, e.g. 127.0.0.1:8125, not \""
              + hostPort
              + "\"");
    }
  }

  /** Dogstatsd's limit on an event's text; longer text (a large diff) is cut to fit. */
  public static final int MAX_EVENT_TEXT = 4000;

  /**
   * Sends a Datadog event as a dogstatsd event datagram ({@code
   * _e{title,text}:title|text|t:type|#tags}), which the Datadog agent forwards; {@code alertType}
   * is info, warning, error or success.
   */
  public void event(String title, String text, String alertType, List<String> tags) {
    String body =
        text.length() > MAX_EVENT_TEXT
            ? text.substring(0, MAX_EVENT_TEXT - 20) + "\n… (cut to fit)"
            : text;
    body = body.replace("\n", "\\n");
    String line =
        "_e{"
            + title.getBytes(StandardCharsets.UTF_8).length
            + ","
            + body.getBytes(StandardCharsets.UTF_8).length
            + "}:"
            + title
            + "|"
            + body
            + "|t:"
            + alertType
            + (tags.isEmpty() ? "" : "|#" + String.join(",", tags));
    try (DatagramChannel ch = DatagramChannel.open()) {
      ch.send(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)), target);
    } catch (Exception ignored) {
      // Fire and forget, as metrics.
    }
  }

  public void send(List<Metrics.Sample> samples) {
    if (samples.isEmpty()) {
      return;
    }
    try (DatagramChannel ch = DatagramChannel.open()) {
      ch.configureBlocking(false);
      StringBuilder packet = new StringBuilder();
      for (Metrics.Sample s : samples) {
        String line = s.statsdLine();
        if (packet.length() > 0 && packet.length() + 1 + line.length() > MAX_DATAGRAM) {
          ch.send(ByteBuffer.wrap(packet.toString().getBytes(StandardCharsets.UTF_8)), target);
          packet.setLength(0);
        }
        if (packet.length() > 0) {
          packet.append('\n');
        }
        packet.append(line);
      }
      ch.send(ByteBuffer.wrap(packet.toString().getBytes(StandardCharsets.UTF_8)), target);
    } catch (Exception ignored) {
      // Fire and forget: a missing agent or a full buffer must never affect the command.
    }
  }
}
