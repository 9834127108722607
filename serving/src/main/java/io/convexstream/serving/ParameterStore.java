package io.convexstream.serving;

import io.convexstream.kafka.Topic;
import io.convexstream.schemas.PackedVector;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.schemas.codec.AvroCodec;
import io.convexstream.schemas.publication.PackedVectors;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The serving view's parameters: the parameters topic's snapshots and deltas (docs/ARCHITECTURE.md,
 * "Parameter publication") applied to each model's vector, kept in blocks of {@value #BLOCK}
 * coordinates so that a delta rewrites only the blocks it touches and no store value approaches the
 * changelog's message limit, whatever the model's size.
 *
 * <p>Two stores: {@value #MODELS} holds per model its latest complete version (with the metadata of
 * the last versions) and {@value #BLOCKS} the vector's blocks. Each publication gets a sequence number;
 * a block remembers the one that wrote it last. A block older than the model's last snapshot reads
 * as zeros (a snapshot lists only what it holds), and a block newer than the model's complete
 * publication belongs to one still being applied, so a reader retries ({@link #read}).
 */
public final class ParameterStore {
  static final String MODELS = "parameter-models";
  static final String BLOCKS = "parameter-blocks";
  /** Coordinates per block: at most 32 KiB of doubles, so a sparse delta rewrites little. */
  static final int BLOCK = 4096;

  private ParameterStore() {}

  /** Adds the parameters topic and both stores to the view's topology. */
  static void materialise(StreamsBuilder builder, int history) {
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(MODELS), Serdes.String(), ModelEntry.SERDE));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(BLOCKS), Serdes.String(), Serdes.ByteArray()));
    builder.stream(Topic.PARAMETERS.topicName(), Consumed.with(Serdes.String(), Serdes.ByteArray()))
        .process(() -> new Apply(history), MODELS, BLOCKS);
  }

  /** Metadata of one complete version. */
  public record Version(long runEpoch, long version, long step, long eventTime, Map<String, Double> metrics) {}

  /** A model's latest complete version, with its parameters. */
  public record Served(String modelId, int dim, Version version, double[] parameters) {}

  /** A model whose answer cannot be given now (an incomplete publication). */
  public static final class Unavailable extends RuntimeException {
    Unavailable(String reason) {
      super(reason);
    }
  }

  static String blockKey(String model, int block) {
    return model + '\u0000' + block;
  }

  /**
   * The latest complete parameters of {@code model}, or null when it is unknown. Retries while a
   * publication is being applied (its blocks newer than the model's complete version).
   */
  static Served read(ReadOnlyKeyValueStore<String, ModelEntry> models, ReadOnlyKeyValueStore<String, byte[]> blocks, String model) {
    return read(models, blocks, model, null);
  }

  /**
   * {@link #read}, with only the entries at {@code coordinates} (any order, each below the model's
   * dimension; null: all): a prediction reads the blocks its features touch, not the whole model.
   * {@link Served#parameters} then holds those entries in the coordinates' order.
   */
  static Served read(ReadOnlyKeyValueStore<String, ModelEntry> models, ReadOnlyKeyValueStore<String, byte[]> blocks, String model,
      int[] coordinates) {
    for (int attempt = 0; attempt < 200; attempt++) {
      ModelEntry e = models.get(model);
      if (e == null || e.history.isEmpty()) {
        return null;
      }
      if (e.broken) {
        throw new Unavailable("model " + model + ": a publication was left incomplete; waiting for its next snapshot");
      }
      if (coordinates != null) {
        for (int i : coordinates) {
          if (i < 0 || i >= e.dim) {
            throw new IllegalArgumentException("coordinate " + i + " is outside model " + model + "'s dimension " + e.dim);
          }
        }
      }
      // the whole vector, or the blocks the coordinates touch
      double[] x = coordinates == null ? new double[e.dim] : null;
      Map<Integer, double[]> touched = new java.util.HashMap<>();
      boolean consistent = true;
      for (int b : coordinates == null ? allBlocks(e.dim) : blocksOf(coordinates)) {
        byte[] bytes = blocks.get(blockKey(model, b));
        long seq = bytes == null ? 0 : Block.seq(bytes);
        if (seq > e.seq) {
          consistent = false; // written by a publication after the one read: read again
          break;
        }
        double[] block = x != null ? x : touched.computeIfAbsent(b, k -> new double[BLOCK]);
        if (bytes != null && seq >= e.snapshotSeq) {
          Block.read(bytes, block, x != null ? b * BLOCK : 0);
        }
      }
      if (consistent) {
        double[] values = x;
        if (coordinates != null) {
          values = new double[coordinates.length];
          for (int k = 0; k < values.length; k++) {
            values[k] = touched.get(coordinates[k] / BLOCK)[coordinates[k] % BLOCK];
          }
        }
        return new Served(model, e.dim, e.history.get(e.history.size() - 1), values);
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    throw new Unavailable("model " + model + " is being updated; try again");
  }

  private static int[] allBlocks(int dim) {
    return java.util.stream.IntStream.range(0, (int) ((dim + (long) BLOCK - 1) / BLOCK)).toArray();
  }

  private static int[] blocksOf(int[] coordinates) {
    return java.util.Arrays.stream(coordinates).map(i -> i / BLOCK).distinct().sorted().toArray();
  }

  /** Applies each record of the parameters topic to the stores. */
  static final class Apply implements Processor<String, byte[], Void, Void> {
    private static final AvroCodec<ParameterUpdate> CODEC = AvroCodec.of(ParameterUpdate.class);
    private final int history;
    private KeyValueStore<String, ModelEntry> models;
    private KeyValueStore<String, byte[]> blocks;

    Apply(int history) {
      this.history = history;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      models = context.getStateStore(MODELS);
      blocks = context.getStateStore(BLOCKS);
    }

    @Override
    public void process(Record<String, byte[]> record) {
      ParameterUpdate u;
      try {
        u = CODEC.decode(record.value());
      } catch (RuntimeException e) {
        return; // the jobs write this topic; nothing undecodable is expected there
      }
      PackedVector values = PackedVectors.of(u);
      if (values == null) {
        return;
      }
      String id = u.getModelId();
      ModelEntry e = models.get(id);
      if (e == null) {
        e = new ModelEntry();
      }
      if (!e.history.isEmpty() && !e.precedes(u)) {
        return; // a duplicate, an older version, or a straggler of an older run
      }
      if (u.getChunk() == 0) {
        if (e.nextChunk > 0 && !e.pendingSkip) {
          e.broken = true; // the previous publication wrote some blocks but never completed
        }
        e.pendingEpoch = u.getRunEpoch();
        e.pendingVersion = u.getVersion();
        e.pendingChunks = u.getChunks();
        e.pendingBase = u.getBaseVersion();
        e.nextChunk = 0;
        e.lastSeq++;
        boolean baseHeld = !e.history.isEmpty() && !e.broken && e.last().runEpoch() == u.getRunEpoch()
            && e.last().version() == u.getBaseVersion() && e.dim == values.getDim();
        e.pendingSkip = u.getBaseVersion() != 0 && !baseHeld; // a delta without its base waits for a snapshot
      } else if (e.nextChunk != u.getChunk() || e.pendingEpoch != u.getRunEpoch() || e.pendingVersion != u.getVersion()
          || e.pendingChunks != u.getChunks()) {
        return; // a chunk without the ones before it
      }
      if (!e.pendingSkip) {
        write(id, values, e.lastSeq, u.getBaseVersion() == 0 ? e.lastSeq : e.snapshotSeq);
      }
      e.nextChunk++;
      if (e.nextChunk == u.getChunks()) {
        if (!e.pendingSkip) {
          e.seq = e.lastSeq;
          if (u.getBaseVersion() == 0) {
            e.snapshotSeq = e.lastSeq;
            e.broken = false;
          }
          e.dim = values.getDim();
          if (!e.history.isEmpty() && e.last().runEpoch() < u.getRunEpoch()) {
            e.history.clear(); // a new run: the old run's versions no longer describe the model
          }
          e.history.add(new Version(u.getRunEpoch(), u.getVersion(), u.getStep(), u.getEventTime().toEpochMilli(),
              Map.copyOf(u.getMetrics())));
          if (e.history.size() > history) {
            e.history.remove(0);
          }
        }
        e.nextChunk = 0;
      }
      models.put(id, e);
    }

    /** Writes a chunk's entries into their blocks; blocks last written before {@code zeroBefore} count as zeros. */
    private void write(String id, PackedVector values, long seq, long zeroBefore) {
      Map<Integer, double[]> touched = new TreeMap<>();
      int dim = values.getDim();
      PackedVectors.forEach(values, (i, v) -> touched.computeIfAbsent(i / BLOCK, b -> {
        double[] x = new double[Math.min(BLOCK, dim - b * BLOCK)];
        byte[] old = blocks.get(blockKey(id, b));
        if (old != null && Block.seq(old) >= zeroBefore && Block.length(old) == x.length) {
          Block.read(old, x, 0);
        }
        return x;
      })[i % BLOCK] = v);
      touched.forEach((b, x) -> blocks.put(blockKey(id, b), Block.write(seq, x)));
    }
  }

  /**
   * A block's stored form: the sequence number of the publication that wrote it, its length, and its
   * entries, dense or (when that is smaller) sparse.
   */
  static final class Block {
    /** Sequence number, length, and whether the entries are sparse. */
    private static final int HEADER = 8 + 4 + 1;

    private Block() {}

    static byte[] write(long seq, double[] x) {
      int nonZeros = 0;
      for (double v : x) {
        if (v != 0) {
          nonZeros++;
        }
      }
      boolean sparse = 12L * nonZeros < 8L * x.length;
      ByteBuffer b = ByteBuffer.allocate(HEADER + (sparse ? 4 + 12 * nonZeros : 8 * x.length)).order(ByteOrder.LITTLE_ENDIAN);
      b.putLong(seq).putInt(x.length).put((byte) (sparse ? 1 : 0));
      if (sparse) {
        b.putInt(nonZeros);
        for (int i = 0; i < x.length; i++) {
          if (x[i] != 0) {
            b.putInt(i).putDouble(x[i]);
          }
        }
      } else {
        b.asDoubleBuffer().put(x);
      }
      return b.array();
    }

    static long seq(byte[] bytes) {
      return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    }

    static int length(byte[] bytes) {
      return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(8);
    }

    /** Copies the block's entries into {@code x} from {@code at}. */
    static void read(byte[] bytes, double[] x, int at) {
      ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
      int length = b.getInt(8);
      boolean sparse = b.get(12) == 1;
      b.position(HEADER);
      if (sparse) {
        for (int n = b.getInt(); n > 0; n--) {
          int i = b.getInt();
          x[at + i] = b.getDouble();
        }
      } else {
        b.slice().order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(x, at, length);
      }
    }
  }

  /** Per model: its complete versions' metadata, sequence numbers, and the publication being applied. */
  static final class ModelEntry {
    private static final int FORMAT = 1;
    int dim;
    /** Last complete publication and last complete snapshot (view-internal numbers). */
    long seq;
    long snapshotSeq;
    /** The largest number given to a publication (complete, pending or abandoned). */
    long lastSeq;
    /** A publication wrote blocks and never completed: no answers until the next snapshot. */
    boolean broken;
    long pendingEpoch;
    long pendingVersion;
    long pendingBase;
    int pendingChunks;
    /** Next chunk of the pending publication (0: none pending). */
    int nextChunk;
    /** The pending publication is a delta without its base: read but not applied. */
    boolean pendingSkip;
    /** The last complete versions, oldest first. */
    final List<Version> history = new ArrayList<>();

    Version last() {
      return history.get(history.size() - 1);
    }

    /** Whether {@code u} is newer than the latest complete version: a larger run epoch, or a larger version in the same one. */
    boolean precedes(ParameterUpdate u) {
      Version v = last();
      return u.getRunEpoch() > v.runEpoch() || u.getRunEpoch() == v.runEpoch() && u.getVersion() > v.version();
    }

    static final Serde<ModelEntry> SERDE = Serdes.serdeFrom(new Serializer<>() {
      @Override
      public byte[] serialize(String topic, ModelEntry e) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
          out.writeInt(FORMAT);
          out.writeInt(e.dim);
          out.writeLong(e.seq);
          out.writeLong(e.snapshotSeq);
          out.writeLong(e.lastSeq);
          out.writeBoolean(e.broken);
          out.writeLong(e.pendingEpoch);
          out.writeLong(e.pendingVersion);
          out.writeLong(e.pendingBase);
          out.writeInt(e.pendingChunks);
          out.writeInt(e.nextChunk);
          out.writeBoolean(e.pendingSkip);
          out.writeInt(e.history.size());
          for (Version v : e.history) {
            out.writeLong(v.runEpoch());
            out.writeLong(v.version());
            out.writeLong(v.step());
            out.writeLong(v.eventTime());
            out.writeInt(v.metrics().size());
            for (Map.Entry<String, Double> m : new TreeMap<>(v.metrics()).entrySet()) {
              out.writeUTF(m.getKey());
              out.writeDouble(m.getValue());
            }
          }
        } catch (IOException ex) {
          throw new UncheckedIOException(ex);
        }
        return bytes.toByteArray();
      }
    }, new Deserializer<>() {
      @Override
      public ModelEntry deserialize(String topic, byte[] data) {
        if (data == null) {
          return null;
        }
        ModelEntry e = new ModelEntry();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
          int format = in.readInt();
          if (format != FORMAT) {
            throw new IllegalStateException("unknown parameter-models format " + format);
          }
          e.dim = in.readInt();
          e.seq = in.readLong();
          e.snapshotSeq = in.readLong();
          e.lastSeq = in.readLong();
          e.broken = in.readBoolean();
          e.pendingEpoch = in.readLong();
          e.pendingVersion = in.readLong();
          e.pendingBase = in.readLong();
          e.pendingChunks = in.readInt();
          e.nextChunk = in.readInt();
          e.pendingSkip = in.readBoolean();
          for (int n = in.readInt(); n > 0; n--) {
            long epoch = in.readLong();
            long version = in.readLong();
            long step = in.readLong();
            long eventTime = in.readLong();
            Map<String, Double> metrics = new HashMap<>();
            for (int m = in.readInt(); m > 0; m--) {
              metrics.put(in.readUTF(), in.readDouble());
            }
            e.history.add(new Version(epoch, version, step, eventTime, metrics));
          }
        } catch (IOException ex) {
          throw new UncheckedIOException(ex);
        }
        return e;
      }
    });
  }
}
