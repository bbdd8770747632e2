package org.kvexpress.apply;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.kvexpress.core.Checksum;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Problems;
import org.kvexpress.core.Reason;
import org.kvexpress.sign.SignedStatement;

/**
 * What {@code out --no-older} remembers per file: the publish time of the newest signed version it
 * applied, in {@code .NAME.kvexpress.signed} beside the file (local, so a KV writer cannot reset
 * it). A version signed earlier than that is a replay of an older one and is refused.
 */
final class AppliedSignature {
  private static final Gson GSON = new Gson();

  private record State(String key, String checksum, String time) {}

  private AppliedSignature() {}

  static Path stateFile(Path target) {
    return target.resolveSibling("." + target.getFileName() + ".kvexpress.signed");
  }

  /** Refuses {@code s} when this file already received a version signed later. */
  static void refuseOlder(Path target, SignedStatement s) {
    State seen = read(target);
    if (seen == null) {
      return;
    }
    try {
      if (Instant.parse(s.time()).isBefore(Instant.parse(seen.time()))) {
        throw KvexpressException.because(
            Reason.OLDER_VERSION,
            "the published version of "
                + s.prefix()
                + "/"
                + s.key()
                + "/ was signed at "
                + s.time()
                + ", before the version "
                + Checksum.shortForm(seen.checksum())
                + " this node applied (signed at "
                + seen.time()
                + "), so it may be a replay (--no-older); if it is "
                + "wanted, sign it anew (in --sign-key FILE --resign, or rollback --sign-key); the file is left untouched");
      }
    } catch (DateTimeParseException e) {
      throw KvexpressException.because(
          Reason.BAD_SIGNATURE,
          "the signature's time \""
              + s.time()
              + "\" is not a UTC "
              + "time; the file is left untouched");
    }
  }

  /** Records {@code s} as applied when it is newer than what is recorded. */
  static void record(Path target, SignedStatement s) {
    State seen = read(target);
    if (seen != null && !Instant.parse(s.time()).isAfter(Instant.parse(seen.time()))) {
      return;
    }
    Path file = stateFile(target);
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      Files.writeString(
          temp, GSON.toJson(new State(s.key(), s.checksum(), s.time())), StandardCharsets.UTF_8);
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw KvexpressException.because(
          Reason.IO,
          "applied the file, but cannot record its signature time in "
              + file
              + " for --no-older: "
              + Problems.describe(e, file));
    }
  }

  private static State read(Path target) {
    Path file = stateFile(target);
    try {
      State s = GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), State.class);
      if (s == null || s.time() == null) {
        throw new JsonParseException("no time");
      }
      Instant.parse(s.time());
      return s;
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException | JsonParseException | DateTimeParseException e) {
      // Fail closed: without the record, replays could not be told apart.
      throw KvexpressException.because(
          Reason.IO,
          "cannot read "
              + file
              + " (--no-older's record of the last "
              + "applied signature): "
              + Problems.describe(e, file)
              + "; delete it to accept the published version once");
    }
  }
}
