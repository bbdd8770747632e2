package org.kvexpress.publish;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Problems;
import org.kvexpress.core.Reason;

/** Where {@code in} reads the rendered configuration from: stdin, a file, or a URL. */
public sealed interface InputSource {
  /** Reads everything; errors say what failed and how to fix it. */
  byte[] read();

  /** How the source is recorded in meta: never with credentials or a query string. */
  String describe();

  /** Standard input, read to its end. */
  record Stdin(InputStream in) implements InputSource {
    @Override
    public byte[] read() {
      try {
        return readChunked(in);
      } catch (IOException e) {
        throw KvexpressException.because(Reason.IO, "cannot read stdin: " + Problems.describe(e));
      }
    }

    /**
     * Reads 1 MiB chunks and joins them once at the exact size. {@link InputStream#readAllBytes} on
     * a redirected file asks the JDK for one read as large as the file, which allocates a native
     * buffer of that size; on a pipe it reads 8 KiB at a time.
     */
    private static byte[] readChunked(InputStream in) throws IOException {
      List<byte[]> chunks = new ArrayList<>();
      long total = 0;
      while (true) {
        byte[] chunk = in.readNBytes(1 << 20);
        if (chunk.length == 0) {
          break;
        }
        total += chunk.length;
        if (total > Integer.MAX_VALUE - 16) {
          throw KvexpressException.usage("stdin is larger than 2 GiB; split it into several keys");
        }
        chunks.add(chunk);
      }
      if (chunks.size() == 1) {
        return chunks.get(0);
      }
      byte[] all = new byte[(int) total];
      int at = 0;
      for (byte[] c : chunks) {
        System.arraycopy(c, 0, all, at, c.length);
        at += c.length;
      }
      return all;
    }

    @Override
    public String describe() {
      return "stdin";
    }
  }

  /** A local file; a missing or unreadable one is a usage error naming the path. */
  record FileSource(Path path) implements InputSource {
    @Override
    public byte[] read() {
      try {
        if (Files.isDirectory(path)) {
          throw KvexpressException.usage("-f " + path + " is a directory; pass the rendered file");
        }
        return readFully(path);
      } catch (NoSuchFileException e) {
        throw KvexpressException.usage("-f " + path + " does not exist");
      } catch (AccessDeniedException e) {
        throw KvexpressException.usage("-f " + path + " is not readable by this user");
      } catch (IOException e) {
        throw KvexpressException.usage(
            "cannot read -f " + path + ": " + Problems.describe(e, path));
      }
    }

    /**
     * Reads into one exact-size array in 1 MiB steps: {@link Files#readAllBytes} reads through a
     * temporary native buffer as large as the file, which doubled peak memory for large inputs.
     */
    private static byte[] readFully(Path path) throws IOException {
      try (FileChannel ch = FileChannel.open(path)) {
        long size = ch.size();
        if (size > Integer.MAX_VALUE - 16) {
          throw KvexpressException.usage(
              "-f " + path + " is larger than 2 GiB; split it into several keys");
        }
        byte[] out = new byte[(int) size];
        ByteBuffer buf = ByteBuffer.wrap(out);
        while (buf.position() < out.length) {
          buf.limit(Math.min(out.length, buf.position() + (1 << 20)));
          if (ch.read(buf) < 0) {
            break;
          }
        }
        return buf.position() == out.length ? out : Arrays.copyOf(out, buf.position());
      }
    }

    @Override
    public String describe() {
      return "file:" + path.toAbsolutePath().normalize();
    }
  }

  /** An http or https URL, fetched with a 10 s timeout; any non-2xx answer is an error. */
  record UrlSource(URI uri) implements InputSource {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    public UrlSource {
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
        throw KvexpressException.usage(
            "-u needs an http:// or https:// URL, not \"" + safe(uri) + "\"");
      }
    }

    @Override
    public byte[] read() {
      HttpClient client =
          HttpClient.newBuilder()
              .connectTimeout(TIMEOUT)
              .followRedirects(HttpClient.Redirect.NORMAL)
              .build();
      HttpRequest req = HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build();
      try {
        HttpResponse<byte[]> r = client.send(req, HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() / 100 != 2) {
          throw KvexpressException.because(
              Reason.URL,
              "fetching " + describe() + " answered HTTP " + r.statusCode() + "; check the URL");
        }
        return r.body();
      } catch (IOException e) {
        throw KvexpressException.because(
            Reason.URL,
            "cannot fetch "
                + describe()
                + ": "
                + (e instanceof HttpTimeoutException
                    ? "timed out after 10 s"
                    : Problems.describe(e)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw KvexpressException.because(Reason.URL, "interrupted while fetching " + describe());
      }
    }

    @Override
    public String describe() {
      return safe(uri);
    }

    private static String safe(URI u) {
      String host = u.getHost() == null ? "" : u.getHost();
      return (u.getScheme() == null ? "" : u.getScheme() + "://")
          + host
          + (u.getPort() >= 0 ? ":" + u.getPort() : "")
          + (u.getRawPath() == null ? "" : u.getRawPath());
    }
  }
}
