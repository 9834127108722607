package io.convexstream.schemas.publication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.schemas.codec.AvroCodec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ParameterPublicationTest {
  private static final AvroCodec<ParameterUpdate> CODEC = AvroCodec.of(ParameterUpdate.class);

  private static ParameterChunks.Header header(long version) {
    return new ParameterChunks.Header("m", 7, version, version, 1000 + version, Map.of("loss", 0.5));
  }

  /** Through the wire format, as a consumer reads it. */
  private static List<ParameterUpdate> wire(List<ParameterUpdate> records) {
    return records.stream().map(r -> CODEC.decode(CODEC.encode(r))).toList();
  }

  private static ParameterAssembler.Model feed(ParameterAssembler a, List<ParameterUpdate> records) {
    ParameterAssembler.Model done = null;
    for (ParameterUpdate r : wire(records)) {
      ParameterAssembler.Model m = a.accept(r);
      assertThat(done).as("only the last chunk completes").isNull();
      done = m;
    }
    return done;
  }

  /** A delta of {@code x}'s entries at {@code changed}. */
  private static List<ParameterUpdate> delta(ParameterChunks.Header h, long base, double[] x, int[] changed, int chunkBytes) {
    double[] values = new double[changed.length];
    for (int k = 0; k < changed.length; k++) {
      values[k] = x[changed[k]];
    }
    return ParameterChunks.delta(h, base, x.length, changed, values, chunkBytes);
  }

  @Test
  void denseSnapshotsAreCutIntoChunksThatFitAndReassembleExactly() {
    double[] x = new Random(1).doubles(10_000).map(v -> v - 0.5).toArray();
    List<ParameterUpdate> chunks = ParameterChunks.snapshot(header(3), x, 8 * 1024);
    assertThat(chunks).hasSize(10); // 1024 doubles per chunk
    assertThat(chunks).extracting(ParameterUpdate::getChunk).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    for (ParameterUpdate c : chunks) {
      assertThat(CODEC.encode(c).length).isLessThan(8 * 1024 + 200);
      assertThat(c.getMetrics()).isEqualTo(c.getChunk() == 9 ? Map.of("loss", 0.5) : Map.of());
    }
    ParameterAssembler.Model m = feed(new ParameterAssembler(), chunks);
    assertThat(m.parameters()).isEqualTo(x);
    assertThat(m.version()).isEqualTo(3);
    assertThat(m.runEpoch()).isEqualTo(7);
    assertThat(m.eventTime()).isEqualTo(Instant.ofEpochMilli(1003));
    assertThat(m.metrics()).containsEntry("loss", 0.5);
  }

  @Test
  void mostlyZeroSnapshotsListOnlyTheNonZeros() {
    double[] x = new double[1_000_000];
    x[3] = 1.5;
    x[999_999] = -2;
    List<ParameterUpdate> chunks = ParameterChunks.snapshot(header(1), x, 1 << 20);
    assertThat(chunks).hasSize(1);
    assertThat(CODEC.encode(chunks.get(0)).length).isLessThan(200);
    assertThat(feed(new ParameterAssembler(), chunks).parameters()).isEqualTo(x);
  }

  @Test
  void sparseSnapshotsZeroEverythingTheyDoNotList() {
    ParameterAssembler a = new ParameterAssembler();
    feed(a, ParameterChunks.snapshot(header(1), new double[] {1, 2, 3, 4}, 1024));
    var records = ParameterChunks.sparseSnapshot(header(2), 4, new int[] {1, 3}, new double[] {-2, -4}, 12);
    assertThat(records).hasSize(2);
    assertThat(feed(a, records).parameters()).containsExactly(0, -2, 0, -4);
  }

  @Test
  void deltasApplyOnTopOfTheirBaseOnly() {
    double[] x = {1, 2, 3, 4, 5};
    ParameterAssembler a = new ParameterAssembler();
    feed(a, ParameterChunks.snapshot(header(1), x, 1024));
    x[1] = -2;
    x[4] = -5;
    List<ParameterUpdate> delta = delta(header(2), 1, x, new int[] {1, 4}, 12);
    assertThat(delta).hasSize(2).allSatisfy(d -> assertThat(d.getBaseVersion()).isEqualTo(1));
    assertThat(feed(a, delta).parameters()).containsExactly(1, -2, 3, 4, -5);

    // a reader that starts at the delta waits for the next snapshot
    ParameterAssembler late = new ParameterAssembler();
    assertThat(feed(late, delta)).isNull();
    assertThat(late.skipped()).isEqualTo(2);
    x[0] = 9;
    assertThat(feed(late, delta(header(3), 2, x, new int[] {0}, 1024))).isNull();
    assertThat(feed(late, ParameterChunks.snapshot(header(4), x, 1024)).parameters()).isEqualTo(x);

    // a delta whose base is not the version held (a publication went missing) is skipped
    assertThat(feed(a, delta(header(5), 4, x, new int[] {0}, 1024))).isNull();
    assertThat(a.latest("m").version()).isEqualTo(2);
  }

  @Test
  void duplicatesOlderVersionsAndOlderRunsAreIgnoredANewRunReplaces() {
    ParameterAssembler a = new ParameterAssembler();
    List<ParameterUpdate> v2 = ParameterChunks.snapshot(header(2), new double[] {2, 2}, 1024);
    feed(a, v2);
    assertThat(feed(a, v2)).isNull();
    assertThat(feed(a, ParameterChunks.snapshot(header(1), new double[] {1, 1}, 1024))).isNull();
    var oldRun = new ParameterChunks.Header("m", 6, 9, 9, 0, Map.of());
    assertThat(feed(a, ParameterChunks.snapshot(oldRun, new double[] {6, 6}, 1024))).isNull();
    var newRun = new ParameterChunks.Header("m", 8, 1, 1, 0, Map.of());
    assertThat(feed(a, ParameterChunks.snapshot(newRun, new double[] {8, 8}, 1024)).parameters()).containsExactly(8, 8);
  }

  @Test
  void aChunkWithoutItsPredecessorsIsSkipped() {
    List<ParameterUpdate> chunks = ParameterChunks.snapshot(header(1), new double[] {1, 2, 3}, 8);
    ParameterAssembler a = new ParameterAssembler();
    assertThat(feed(a, chunks.subList(1, 3))).isNull();
    assertThat(a.skipped()).isEqualTo(2);
    assertThat(a.latest("m")).isNull();
  }

  @Test
  void recordsOfTheBoxedSchemaReadAsSnapshots() {
    ParameterUpdate old = ParameterUpdate.newBuilder().setModelId("m").setVersion(4).setStep(4)
        .setParameters(new NumericVector(3, null, List.of(0.25, -1.5, 2.0))).setEventTime(Instant.EPOCH).build();
    ParameterAssembler a = new ParameterAssembler();
    assertThat(a.accept(CODEC.decode(CODEC.encode(old))).parameters()).containsExactly(0.25, -1.5, 2.0);
    double[] x = {0.25, 7, 2.0};
    assertThat(feed(a, delta(new ParameterChunks.Header("m", 0, 5, 5, 0, Map.of()), 4, x, new int[] {1}, 64))
        .parameters()).isEqualTo(x);
  }

  @Test
  void malformedPackedVectorsAreRefusedWithAReason() {
    var v = PackedVectors.sparse(3, new int[] {2, 1}, new double[] {3, 2}, 0, 2);
    assertThatThrownBy(() -> PackedVectors.forEach(v, (i, x) -> {})).hasMessageContaining("index 1 after 2");
    var run = PackedVectors.dense(new double[] {1, 2, 3}, 0, 3);
    run.setDim(2);
    assertThatThrownBy(() -> PackedVectors.forEach(run, (i, x) -> {})).hasMessageContaining("outside dimension 2");
  }

  @Test
  void aLongRandomChainOfSnapshotsAndDeltasEndsAtTheWritersValues() {
    Random r = new Random(5);
    double[] x = new double[5000];
    ParameterAssembler a = new ParameterAssembler();
    long base = 0;
    for (long version = 1; version <= 200; version++) {
      List<Integer> changed = new ArrayList<>();
      for (int i = 0; i < x.length; i += 1 + r.nextInt(400)) {
        x[i] = r.nextGaussian();
        changed.add(i);
      }
      int[] idx = changed.stream().mapToInt(Integer::intValue).toArray();
      var records = base == 0 || version % 50 == 0 ? ParameterChunks.snapshot(header(version), x, 4096)
          : delta(header(version), base, x, idx, 100);
      assertThat(feed(a, records).parameters()).isEqualTo(x);
      base = version;
    }
  }
}
