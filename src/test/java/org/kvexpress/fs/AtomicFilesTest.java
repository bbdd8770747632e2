package org.kvexpress.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvexpress.core.KvexpressException;

class AtomicFilesTest {
  @TempDir Path dir;

  @Test
  void aSymlinkPlantedAtTheTempPathIsNeverFollowed() throws Exception {
    Path target = dir.resolve("app.conf");
    Path victim = dir.resolve("victim");
    Files.writeString(victim, "precious\n");
    Path temp = dir.resolve(".app.conf.kvexpress-planted.tmp");
    Files.createSymbolicLink(temp, victim);
    assertThatThrownBy(
            () -> AtomicFiles.stage(target, "new\n".getBytes(), FileSettings.DEFAULTS, temp))
        .isInstanceOf(KvexpressException.class)
        .hasMessageContaining("refusing to follow or reuse it");
    assertThat(victim).hasContent("precious");
    assertThat(target).doesNotExist();
  }

  @Test
  void stagedFileHasItsFinalModeAndSwapReplacesTheTarget() throws Exception {
    Path target = dir.resolve("app.conf");
    Files.writeString(target, "old\n");
    try (AtomicFiles.Staged staged =
        AtomicFiles.stage(target, "new\n".getBytes(), new FileSettings(0604, null, null))) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(staged.path())))
          .isEqualTo("rw----r--");
      assertThat(target).hasContent("old");
      AtomicFiles.swap(staged, false);
    }
    assertThat(target).hasContent("new");
    try (var s = Files.list(dir)) {
      assertThat(s.count()).isEqualTo(1);
    }
  }

  @Test
  void tempFilesAreCreatedPrivateWhateverTheUmaskWouldAllow() throws Exception {
    // The temp file is created with 0600 in the same call that creates it, so no other user can
    // open it between creation and chmod; with a mode that only the owner may read, it also stays
    // that way.
    Path target = dir.resolve("secret.conf");
    try (AtomicFiles.Staged staged =
        AtomicFiles.stage(target, "k=v\n".getBytes(), new FileSettings(0600, null, null))) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(staged.path())))
          .isEqualTo("rw-------");
    }
    assertThat(target).doesNotExist();
  }

  @Test
  void concurrentWritersSurviveCleanersRunningAtTheSameTime() throws Exception {
    Path target = dir.resolve("busy.conf");
    ExecutorService pool = Executors.newFixedThreadPool(6);
    AtomicBoolean writing = new AtomicBoolean(true);
    List<Future<?>> jobs = new ArrayList<>();
    try {
      for (int c = 0; c < 2; c++) {
        jobs.add(
            pool.submit(
                () -> {
                  while (writing.get()) {
                    AtomicFiles.removeStaleTemps(target, false);
                  }
                }));
      }
      List<Future<?>> writers = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        int id = w;
        writers.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 150; i++) {
                    try (AtomicFiles.Staged staged =
                        AtomicFiles.stage(
                            target,
                            ("v" + id + "-" + i + "\n").getBytes(),
                            FileSettings.DEFAULTS)) {
                      AtomicFiles.swap(staged, false);
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : writers) {
        f.get(); // rethrows any writer's failure
      }
    } finally {
      writing.set(false);
      for (Future<?> f : jobs) {
        f.get();
      }
      pool.shutdownNow();
    }
    assertThat(Files.readString(target)).matches("v\\d-\\d+\n");
    try (var s = Files.list(dir)) {
      assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("busy.conf");
    }
  }

  @Test
  void modeConversionRoundTrips() {
    for (int mode : new int[] {0, 0600, 0640, 0644, 0755, 0777, 0400}) {
      assertThat(AtomicFiles.toMode(AtomicFiles.fromMode(mode))).isEqualTo(mode);
    }
  }
}
