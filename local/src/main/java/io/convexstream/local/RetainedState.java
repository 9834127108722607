package io.convexstream.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The state a local job leaves behind in its state directory, so that a restart continues it:
 * {@code checkpoints/<job id>/chk-<n>/} (retained on cancellation, and of course when the process
 * dies) and {@code savepoints/savepoint-*}. A checkpoint or savepoint is complete once its
 * {@code _metadata} file exists; the newest complete one is where the job resumes.
 */
public final class RetainedState {
  private RetainedState() {}

  public static Path checkpoints(Path stateDir) {
    return stateDir.resolve("checkpoints");
  }

  public static Path savepoints(Path stateDir) {
    return stateDir.resolve("savepoints");
  }

  /** The newest complete checkpoint or savepoint under {@code stateDir} (its directory), if any. */
  public static Optional<Path> latest(Path stateDir) {
    return complete(stateDir).max(Comparator.comparing(RetainedState::written));
  }

  /** The newest complete savepoint under {@code stateDir}, if any. */
  public static Optional<Path> latestSavepoint(Path stateDir) {
    return complete(stateDir).filter(p -> p.startsWith(savepoints(stateDir))).max(Comparator.comparing(RetainedState::written));
  }

  /**
   * Removes the checkpoints of earlier runs except the one in {@code keep}'s job directory: a run
   * restored from a checkpoint owns none of its files (Flink's default NO_CLAIM mode: the first new
   * checkpoint is a full one), so at most two runs' checkpoints are on disk. Savepoints stay.
   */
  public static void removeSuperseded(Path stateDir, Path keep) {
    Path root = checkpoints(stateDir);
    if (!Files.isDirectory(root)) {
      return;
    }
    try (Stream<Path> jobs = Files.list(root)) {
      for (Path job : jobs.toList()) {
        if (!keep.startsWith(job)) {
          delete(job);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Stream<Path> complete(Path stateDir) {
    List<Path> found = new java.util.ArrayList<>();
    for (Path root : List.of(checkpoints(stateDir), savepoints(stateDir))) {
      if (!Files.isDirectory(root)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(root, 3)) {
        files.filter(f -> f.getFileName().toString().equals("_metadata")).forEach(f -> found.add(f.getParent()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return found.stream();
  }

  private static FileTime written(Path dir) {
    try {
      return Files.getLastModifiedTime(dir.resolve("_metadata"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
