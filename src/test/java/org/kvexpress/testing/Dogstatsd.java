package org.kvexpress.testing;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A UDP socket on loopback that collects what a dogstatsd agent would receive. */
public final class Dogstatsd implements AutoCloseable {
  private final DatagramSocket socket;

  public Dogstatsd() throws IOException {
    socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
    socket.setSoTimeout(250);
  }

  /** host:port, the form --statsd and -D take. */
  public String address() {
    return "127.0.0.1:" + socket.getLocalPort();
  }

  /** Every line received until the socket stays quiet for a quarter second. */
  public List<String> received() throws IOException {
    List<String> lines = new ArrayList<>();
    byte[] buf = new byte[65536];
    while (true) {
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      try {
        socket.receive(p);
      } catch (SocketTimeoutException e) {
        return lines;
      }
      lines.addAll(
          List.of(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8).split("\n")));
    }
  }

  @Override
  public void close() {
    socket.close();
  }
}
