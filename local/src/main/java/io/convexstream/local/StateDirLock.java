package io.convexstream.local;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One run per state directory: a lock on {@code run.lock} held while the run lives (the operating
 * system releases it when the process dies, so a crash leaves no stale lock), with a line saying
 * who holds it. A second run on the directory would resume from the live job's checkpoints and
 * remove the ones it considers superseded.
 */
public final class StateDirLock implements AutoCloseable {
  private final FileChannel channel;
  private final FileLock lock;

  private StateDirLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** Takes the lock of {@code stateDir}, or throws naming the run that holds it. */
  public static StateDirLock acquire(Path stateDir) throws IOException {
    Files.createDirectories(stateDir);
    Path file = stateDir.resolve("run.lock");
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) { // held by this process
      lock = null;
    }
    if (lock == null) {
      channel.close();
      String holder = Files.readString(file, StandardCharsets.UTF_8).strip();
      throw new IllegalStateException("state directory " + stateDir + " is in use by another run ("
          + (holder.isEmpty() ? "starting" : holder) + "); stop that one first, or give this one another --state-dir");
    }
    StateDirLock taken = new StateDirLock(channel, lock);
    taken.describe("process " + ProcessHandle.current().pid());
    return taken;
  }

  /** Writes who holds the lock, for the run that is refused. */
  public void describe(String holder) throws IOException {
    channel.truncate(0);
    channel.write(ByteBuffer.wrap(holder.getBytes(StandardCharsets.UTF_8)), 0);
    channel.force(false);
  }

  @Override
  public void close() throws IOException {
    try {
      channel.truncate(0);
      lock.release();
    } finally {
      channel.close();
    }
  }
}
