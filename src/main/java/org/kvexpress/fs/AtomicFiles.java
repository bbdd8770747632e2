package org.kvexpress.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Problems;
import org.kvexpress.core.Reason;

/**
 * Writes files so that readers see the old version or the new one, never a part: a private temp
 * file in the target's directory, written, fsynced, given its mode and owner, then renamed over the
 * target, and the directory fsynced (consul-template's AtomicWrite, with confd's ignored
 * chmod/chown errors fixed). Atomic only where rename(2) is, which is POSIX file systems, not
 * across mount points.
 *
 * <p>While a temp file is being written its writer holds a lock on it, so {@link #removeStaleTemps}
 * can tell a crashed writer's leftover from a live writer's file.
 */
public final class AtomicFiles {
  private static final String TEMP_MARK = ".kvexpress-";

  /** A staging file untouched for this long, and not locked, belongs to a writer that died. */
  private static final long STALE_AFTER_MS = 1000;

  private static final Set<PosixFilePermission> PRIVATE =
      PosixFilePermissions.fromString("rw-------");

  private AtomicFiles() {}

  /** A written, synced temp file beside its target, ready to be checked and swapped in. */
  public static final class Staged implements AutoCloseable {
    private final Path temp;
    private final Path target;
    private final FileChannel channel;
    private final FileLock lock;
    private boolean moved;

    private Staged(Path temp, Path target, FileChannel channel, FileLock lock) {
      this.temp = temp;
      this.target = target;
      this.channel = channel;
      this.lock = lock;
    }

    public Path path() {
      return temp;
    }

    public Path target() {
      return target;
    }

    /** Deletes the temp file unless it was swapped in. */
    @Override
    public void close() {
      try {
        if (!moved) {
          Files.deleteIfExists(temp);
        }
      } catch (IOException ignored) {
        // best effort: removeStaleTemps finds it on the next run
      } finally {
        try {
          lock.release();
        } catch (IOException | RuntimeException ignored) {
          // the channel may already be gone
        }
        try {
          channel.close();
        } catch (IOException ignored) {
          // nothing left to do
        }
      }
    }
  }

  /**
   * The file a path finally names: symlinks are followed so that a link keeps pointing where it
   * did.
   */
  public static Path resolveTarget(Path file) {
    Path abs = file.toAbsolutePath().normalize();
    try {
      if (Files.isSymbolicLink(abs)) {
        return abs.toRealPath();
      }
    } catch (IOException e) {
      // a dangling link: write where it points
      try {
        Path link = Files.readSymbolicLink(abs);
        return abs.getParent().resolve(link).normalize();
      } catch (IOException ignored) {
        return abs;
      }
    }
    return abs;
  }

  /**
   * Step "stage": writes {@code content} to a new private temp file beside {@code target} (creating
   * missing parents 0755), fsyncs it, and gives it its final mode and owner. The temp file is
   * created exclusively, so a symlink planted at its name is never followed.
   */
  public static Staged stage(Path target, byte[] content, FileSettings settings) {
    Path dir = target.getParent();
    if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
      throw KvexpressException.because(
          Reason.IS_DIRECTORY, target + " is a directory; -f must name a file");
    }
    createParents(dir);
    return stage(
        target,
        content,
        settings,
        dir.resolve(
            "."
                + target.getFileName()
                + TEMP_MARK
                + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE)
                + ".tmp"));
  }

  /**
   * {@link #stage(Path, byte[], FileSettings)} with a chosen temp path, so tests can plant things
   * there.
   */
  static Staged stage(Path target, byte[] content, FileSettings settings, Path temp) {
    int mode = modeFor(target, settings);
    FileLock lock = createLocked(temp);
    FileChannel ch = lock.channel();
    try {
      ByteBuffer buf = ByteBuffer.wrap(content);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
      applySettings(target, temp, mode, settings);
      return new Staged(temp, target, ch, lock);
    } catch (IOException | RuntimeException e) {
      try {
        Files.deleteIfExists(temp);
        ch.close();
      } catch (IOException ignored) {
        // already failing
      }
      if (e instanceof KvexpressException k) {
        throw k;
      }
      throw KvexpressException.because(
          Reason.IO, "cannot write " + temp + ": " + Problems.describe(e, temp), e);
    }
  }

  /**
   * Creates the temp file exclusively (never through a symlink) and locks it. A cleaner may remove
   * a file in the instant between creation and locking, since it cannot yet tell it from a crashed
   * writer's; so once the lock is held, the file must still be there, or the creation is tried
   * again.
   */
  private static FileLock createLocked(Path temp) {
    Path dir = temp.getParent();
    for (int attempt = 0; attempt < 3; attempt++) {
      FileChannel ch;
      try {
        ch =
            FileChannel.open(
                temp,
                Set.of(
                    StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS),
                PosixFilePermissions.asFileAttribute(PRIVATE));
      } catch (FileAlreadyExistsException e) {
        throw KvexpressException.because(
            Reason.IO, "temp file " + temp + " already exists; refusing to follow or reuse it");
      } catch (AccessDeniedException e) {
        throw KvexpressException.because(
            Reason.IO, "cannot write in " + dir + ": permission denied; run as a user who may");
      } catch (IOException e) {
        throw KvexpressException.because(
            Reason.IO, "cannot create a temp file in " + dir + ": " + e);
      }
      try {
        FileLock lock;
        try {
          lock = ch.lock();
        } catch (OverlappingFileLockException e) {
          // A cleaner in this JVM holds it for a moment and is about to remove it: start over.
          lock = null;
        }
        if (lock != null && Files.exists(temp, LinkOption.NOFOLLOW_LINKS)) {
          return lock;
        }
        ch.close();
        Files.deleteIfExists(temp);
      } catch (IOException e) {
        try {
          ch.close();
        } catch (IOException ignored) {
          // already failing
        }
        throw KvexpressException.because(Reason.IO, "cannot lock " + temp + ": " + e);
      }
    }
    throw KvexpressException.because(
        Reason.IO, "temp files in " + dir + " keep disappearing; is another cleaner running?");
  }

  /**
   * Step "swap": renames the staged file over its target atomically and fsyncs the directory. With
   * {@code keepPrevious}, the old target is first hard-linked aside and that path returned (else
   * null).
   */
  public static Path swap(Staged staged, boolean keepPrevious) {
    Path target = staged.target();
    Path previous = null;
    try {
      if (keepPrevious && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        previous =
            target.resolveSibling(
                "."
                    + target.getFileName()
                    + TEMP_MARK
                    + "prev-"
                    + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE));
        Files.createLink(previous, target);
      }
      Files.move(
          staged.path(),
          target,
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
      staged.moved = true;
      fsyncDirectory(target.getParent());
      return previous;
    } catch (IOException e) {
      deleteQuietly(previous);
      throw KvexpressException.because(
          Reason.IO, "cannot rename " + staged.path() + " over " + target + ": " + e);
    }
  }

  /** Puts a previous version kept by {@link #swap} back in place, atomically. */
  public static void restore(Path previous, Path target) {
    try {
      if (previous == null) {
        Files.deleteIfExists(target);
      } else {
        Files.move(
            previous, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      }
      fsyncDirectory(target.getParent());
    } catch (IOException e) {
      throw KvexpressException.because(
          Reason.IO, "cannot restore the previous " + target + ": " + e);
    }
  }

  /** Repairs mode and owner of an existing file; returns what it changed, empty when nothing. */
  public static List<String> repair(Path target, FileSettings settings) {
    List<String> changed = repairsNeeded(target, settings);
    try {
      PosixFileAttributeView view =
          Files.getFileAttributeView(target, PosixFileAttributeView.class);
      if (changed.contains("mode")) {
        Files.setPosixFilePermissions(target, fromMode(settings.mode()));
      }
      if (changed.contains("owner")) {
        view.setOwner(settings.user());
      }
      if (changed.contains("group")) {
        view.setGroup(settings.group());
      }
      return changed;
    } catch (IOException e) {
      throw KvexpressException.because(
          Reason.IO, "cannot set mode or owner of " + target + ": " + e);
    }
  }

  /** What {@link #repair} would change: "mode", "owner", "group", or nothing. */
  public static List<String> repairsNeeded(Path target, FileSettings settings) {
    List<String> differs = new ArrayList<>();
    try {
      PosixFileAttributes attrs = Files.readAttributes(target, PosixFileAttributes.class);
      if (settings.mode() != null && toMode(attrs.permissions()) != settings.mode()) {
        differs.add("mode");
      }
      if (settings.user() != null && !attrs.owner().equals(settings.user())) {
        differs.add("owner");
      }
      if (settings.group() != null && !attrs.group().equals(settings.group())) {
        differs.add("group");
      }
      return differs;
    } catch (IOException e) {
      throw KvexpressException.because(
          Reason.IO, "cannot read the mode and owner of " + target + ": " + e);
    }
  }

  private static boolean olderThanASecond(Path p) {
    try {
      return Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis()
          < System.currentTimeMillis() - 1000;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Removes temp files that crashed writers left beside {@code target}: ours ({@code
   * .NAME.kvexpress-*}), unless a live writer holds them, and Go kvexpress's {@code NAME.compare},
   * {@code NAME.last} and (over a second old) {@code NAME.kvexpress} when {@code includeGoCaches}.
   * Never the target itself. Returns what it removed.
   */
  public static List<Path> removeStaleTemps(Path target, boolean includeGoCaches) {
    List<Path> removed = new ArrayList<>();
    Path dir = target.getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      return removed;
    }
    String name = target.getFileName().toString();
    String ours = "." + name + TEMP_MARK;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        String n = p.getFileName().toString();
        boolean mine = n.startsWith(ours);
        // Go kvexpress's caches, and FILE.kvexpress, the staging file it leaves when it dies
        // between write and rename (only when over a second old, so a Go writer still running is
        // not robbed of it).
        boolean go =
            includeGoCaches
                && (n.equals(name + ".compare")
                    || n.equals(name + ".last")
                    || n.equals(name + ".kvexpress") && olderThanASecond(p));
        if ((mine && removeIfStale(p))
            || (go
                && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                && Files.deleteIfExists(p))) {
          removed.add(p);
        }
      }
    } catch (IOException e) {
      throw KvexpressException.because(Reason.IO, "cannot list " + dir + ": " + e);
    }
    return removed;
  }

  /**
   * Removes a leftover staging file unless a live writer holds its lock or it was touched within
   * the last second. A writer locks its file microseconds after creating it; the age rule closes
   * that window, and the removal happens while holding the lock, so a writer that locks the file
   * afterwards sees it gone and starts over.
   */
  private static boolean removeIfStale(Path temp) {
    try {
      long age =
          System.currentTimeMillis()
              - Files.getLastModifiedTime(temp, LinkOption.NOFOLLOW_LINKS).toMillis();
      if (age < STALE_AFTER_MS) {
        return false;
      }
    } catch (IOException e) {
      return false;
    }
    if (Files.isSymbolicLink(temp) || !Files.isRegularFile(temp, LinkOption.NOFOLLOW_LINKS)) {
      try {
        return Files.deleteIfExists(temp);
      } catch (IOException e) {
        return false;
      }
    }
    try (FileChannel ch =
        FileChannel.open(temp, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
      FileLock lock = ch.tryLock();
      if (lock == null) {
        return false;
      }
      try {
        return Files.deleteIfExists(temp);
      } finally {
        lock.release();
      }
    } catch (OverlappingFileLockException e) {
      return false; // held by a writer in this very process
    } catch (IOException e) {
      return false;
    }
  }

  private static int modeFor(Path target, FileSettings settings) {
    if (settings.mode() != null) {
      return settings.mode();
    }
    try {
      return toMode(Files.getPosixFilePermissions(target));
    } catch (NoSuchFileException e) {
      return FileSettings.DEFAULT_MODE;
    } catch (IOException e) {
      return FileSettings.DEFAULT_MODE;
    }
  }

  /**
   * The owner the staged file gets: {@code -o}'s, else the existing file's (as its mode is kept),
   * when this process may give files away (root: the staged file is root's); otherwise the owner it
   * was created with, as before.
   */
  private static FileSettings ownerFor(Path target, Path temp, FileSettings settings)
      throws IOException {
    if (settings.user() != null || settings.group() != null) {
      return settings;
    }
    if (!Files.exists(target) || ((Number) Files.getAttribute(temp, "unix:uid")).intValue() != 0) {
      return settings;
    }
    PosixFileAttributes existing = Files.readAttributes(target, PosixFileAttributes.class);
    return new FileSettings(settings.mode(), existing.owner(), existing.group());
  }

  private static void applySettings(Path target, Path temp, int mode, FileSettings requested)
      throws IOException {
    FileSettings settings = ownerFor(target, temp, requested);
    PosixFileAttributeView view =
        Files.getFileAttributeView(temp, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    try {
      // Owner before mode: a chown may clear setuid bits, and the mode must be the last word.
      if (settings.user() != null) {
        view.setOwner(settings.user());
      }
      if (settings.group() != null) {
        view.setGroup(settings.group());
      }
    } catch (IOException e) {
      throw KvexpressException.because(
          Reason.CHOWN,
          "cannot give "
              + temp
              + " owner "
              + describe(settings)
              + ": "
              + Problems.describe(e, temp)
              + "; run out as root or drop -o");
    }
    view.setPermissions(fromMode(mode));
  }

  private static String describe(FileSettings s) {
    return (s.user() == null ? "" : s.user().getName())
        + (s.group() == null ? "" : ":" + s.group().getName());
  }

  private static void createParents(Path dir) {
    if (Files.isDirectory(dir)) {
      return;
    }
    try {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    } catch (IOException e) {
      throw KvexpressException.because(
          Reason.IO, "cannot create directory " + dir + ": " + Problems.describe(e, dir));
    }
  }

  /**
   * fsync on a directory makes a rename durable; Java opens directories read-only for this on
   * Linux.
   */
  private static void fsyncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some file systems refuse fsync on directories; the rename itself has still happened.
    }
  }

  static int toMode(Set<PosixFilePermission> perms) {
    int mode = 0;
    for (PosixFilePermission p : perms) {
      mode |= 1 << (8 - p.ordinal());
    }
    return mode;
  }

  static Set<PosixFilePermission> fromMode(int mode) {
    Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
    for (PosixFilePermission p : PosixFilePermission.values()) {
      if ((mode & (1 << (8 - p.ordinal()))) != 0) {
        perms.add(p);
      }
    }
    return perms;
  }

  /**
   * Deletes a file if it is there, ignoring failure: for cleanup that the next run's cleanup backs
   * up.
   */
  public static void deleteQuietly(Path p) {
    if (p == null) {
      return;
    }
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // best effort
    }
  }
}
