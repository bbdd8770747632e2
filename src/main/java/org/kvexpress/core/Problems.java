package org.kvexpress.core;

import com.google.gson.JsonParseException;
import com.google.gson.stream.MalformedJsonException;
import java.io.EOFException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * What went wrong, in words a person reads: a Java exception becomes "does not exist", "permission
 * denied", "connection refused", … (never its class name), naming the path when it is not the one
 * the message already names, with the usual fix.
 */
public final class Problems {
  private static final Pattern JSON_POSITION = Pattern.compile("at line (\\d+) column (\\d+)");

  private Problems() {}

  /** {@link #describe(Throwable, Object)} for a message that names no path itself. */
  public static String describe(Throwable e) {
    return describe(e, null);
  }

  /**
   * The problem in words; {@code subject} is the path (or URL) the caller's message already names,
   * left out when the exception is about that same path.
   */
  public static String describe(Throwable e, Object subject) {
    if (e instanceof FileSystemException f) {
      String about =
          f.getFile() == null || subject != null && f.getFile().equals(subject.toString())
              ? ""
              : f.getFile() + " ";
      return about + fileProblem(f);
    }
    if (e instanceof ClosedByInterruptException
        || e instanceof InterruptedIOException && !(e instanceof SocketTimeoutException)) {
      return "interrupted (the command was stopped)";
    }
    if (e instanceof ConnectException && !(e instanceof NoRouteToHostException)) {
      return "connection refused (nothing listens there: check the address and port)";
    }
    if (e instanceof NoRouteToHostException) {
      return "no route to host (check the address and the network)";
    }
    if (e instanceof SocketTimeoutException || e instanceof HttpTimeoutException) {
      return "timed out";
    }
    if (e instanceof UnknownHostException) {
      return "unknown host " + e.getMessage() + " (check the name, or use an IP address)";
    }
    if (e instanceof SSLException) {
      return "TLS failed (" + firstLine(e.getMessage()) + ")";
    }
    if (e instanceof SocketException) {
      return "connection reset";
    }
    if (e instanceof EOFException) {
      return "it ended before it was complete";
    }
    if (e instanceof JsonParseException || e instanceof MalformedJsonException) {
      return json(e);
    }
    String message = firstLine(e.getMessage());
    if (message.equalsIgnoreCase("is a directory")) {
      return "is a directory (give a file)";
    }
    return message.isEmpty() ? "an unexpected input/output error" : message;
  }

  /** A JSON parse failure as "not valid JSON near line L, column C". */
  private static String json(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      Matcher m = JSON_POSITION.matcher(String.valueOf(t.getMessage()));
      if (m.find()) {
        return "not valid JSON near line " + m.group(1) + ", column " + m.group(2);
      }
    }
    return "not valid JSON";
  }

  private static String fileProblem(FileSystemException f) {
    if (f instanceof NoSuchFileException) {
      return "does not exist (check the path)";
    }
    if (f instanceof AccessDeniedException) {
      return "permission denied (run as a user who may, or change its permissions)";
    }
    if (f instanceof FileAlreadyExistsException) {
      return "already exists";
    }
    if (f instanceof NotDirectoryException) {
      return "is not a directory";
    }
    if (f instanceof DirectoryNotEmptyException) {
      return "is a directory that is not empty";
    }
    String reason = f.getReason() == null ? "" : f.getReason().toLowerCase(Locale.ROOT);
    return switch (reason) {
      case "is a directory" -> "is a directory (give a file)";
      case "read-only file system" -> "is on a read-only file system (pick a writable path)";
      case "no space left on device" -> "no space left on the device (free some space)";
      case "" -> "the file system refused the operation";
      default -> reason;
    };
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return (nl < 0 ? s : s.substring(0, nl)).trim();
  }
}
