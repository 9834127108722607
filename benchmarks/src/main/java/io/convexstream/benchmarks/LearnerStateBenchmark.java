package io.convexstream.benchmarks;

import io.convexstream.connectors.flink.Decoded;
import io.convexstream.flink.RawRecord;
import io.convexstream.core.learn.LearnerConfig;
import io.convexstream.flink.omd.LearnerFunction;
import io.convexstream.flink.omd.LearnerSettings;
import io.convexstream.flink.omd.RoundReader;
import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.ParameterUpdate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One record through the learner operator (Flink's keyed operator test harness: state access,
 * update, publication, no Kafka), on the heap and on RocksDB: what the state layout costs per
 * record. {@code case}: {@code ALGORITHM/d/nnz} (nnz 0: dense gradients); one model.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class LearnerStateBenchmark {
  @Param({"oomd-ec/100/0", "oomd-ec/300/0", "oomd-ec/1000/0", "oomd/32/0", "ftrl/10000000/32"})
  String spec;

  @Param({"heap", "rocksdb"})
  String backend;

  private KeyedOneInputStreamOperatorTestHarness<String, Decoded<Gradient>, ParameterUpdate> harness;
  private List<NumericVector> gradients;
  private long step;

  @Setup(Level.Trial)
  public void setup() throws Exception {
    String[] p = spec.split("/");
    int d = Integer.parseInt(p[1]);
    int nnz = Integer.parseInt(p[2]);
    // oomd-ec unconstrained: no U-norm projection (O(d³)), so the row shows what its state costs, not its math
    LearnerConfig config = LearnerConfig.of(p[0], p[0].equals("ftrl") ? new String[0]
        : new String[] {p[0].equals("oomd-ec") ? "domain=unconstrained:1" : "domain=ball:1"});
    harness = new KeyedOneInputStreamOperatorTestHarness<>(
        new KeyedProcessOperator<>(new LearnerFunction<>("bench", LearnerSettings.defaults(config), new RoundReader.Gradients(),
            Gradient.class)),
        (Decoded<Gradient> g) -> g.value.getModelId(), Types.STRING);
    if (backend.equals("rocksdb")) {
      harness.setStateBackend(new EmbeddedRocksDBStateBackend());
    }
    harness.open();
    SplittableRandom r = new SplittableRandom(1);
    gradients = new ArrayList<>();
    for (int k = 0; k < 16; k++) {
      int n = nnz > 0 ? nnz : d;
      List<Double> values = Arrays.stream(r.doubles(n).map(x -> (x - 0.5) / Math.sqrt(n)).toArray()).boxed().toList();
      List<Integer> indices = nnz > 0 ? Arrays.stream(r.ints(2L * nnz, 0, d).distinct().limit(nnz).sorted().toArray()).boxed().toList() : null;
      gradients.add(new NumericVector(d, indices, values));
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    harness.close();
  }

  @Benchmark
  public int oneRecord() throws Exception {
    step++;
    Gradient g = new Gradient("m", step, "w", gradients.get((int) (step % gradients.size())), null, null, Instant.EPOCH);
    harness.processElement(new StreamRecord<>(new Decoded<>(g, new RawRecord("convexstream.gradients", 0, step, 0, null, null))));
    int out = harness.getOutput().size();
    harness.getOutput().clear(); // the outputs are not what is measured; keep memory flat
    return out;
  }
}
