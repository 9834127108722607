package io.convexstream.benchmarks;

import io.convexstream.core.learn.LearnerConfig;
import io.convexstream.core.learn.LearnerState;
import io.convexstream.core.learn.Learners;
import io.convexstream.core.learn.OnlineLearner;
import io.convexstream.core.linalg.GradientVector;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One exp-concave (ONS-style) optimistic update of the production learner without projection
 * (unconstrained domain): a Sherman–Morrison update of U⁻¹, a rank-1 update of U and two U⁻¹·v
 * products, O(d²), with the matrices in plain Java or in ND4J ({@code backend}). {@code update} is
 * the core alone; {@code perRecord} is what the learner operator does per record: attach a learner
 * to the stored state, update, export again (plain Java: in place, no copies; ND4J: the two d×d
 * matrices copied in and out).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ExpConcaveUpdateBenchmark {
  @Param({"100", "250", "500", "1000", "2000"})
  int d;

  @Param({"java", "nd4j"})
  String backend;

  private LearnerConfig config;
  private OnlineLearner learner;
  private LearnerState state;
  private GradientVector[] gradients;
  private int next;

  @Setup
  public void setup() {
    config = LearnerConfig.of("oomd-ec", "domain=unconstrained:2", "beta=1", "delta=4", "backend=" + backend);
    learner = Learners.create(config, d);
    state = learner.exportState();
    SplittableRandom r = new SplittableRandom(1);
    gradients = new GradientVector[4];
    for (int k = 0; k < 4; k++) {
      double[] g = new double[d];
      for (int i = 0; i < d; i++) {
        g[i] = (r.nextDouble() - 0.5) / Math.sqrt(d);
      }
      gradients[k] = GradientVector.dense(g);
    }
  }

  @Benchmark
  public double update() {
    learner.update(gradients[next++ & 3]);
    return learner.decision()[0];
  }

  @Benchmark
  public LearnerState perRecord() {
    OnlineLearner l = Learners.attach(config, d, state);
    l.update(gradients[next++ & 3]);
    state = l.exportState();
    return state;
  }
}
