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
 * What the learner operator does with a model's state for every record, without Flink: rebuild the
 * learner from its configuration and stored state ({@code Learners.attach}), update, export the
 * state again. At small d this is mostly the rebuild, not the arithmetic ({@link #updateOnly}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LearnerPerRecordBenchmark {
  @Param({"oomd", "ftrl"})
  String algorithm;

  @Param({"32"})
  int d;

  private LearnerConfig config;
  private LearnerState state;
  private OnlineLearner live;
  private GradientVector[] gradients;
  private int next;

  @Setup
  public void setup() {
    config = algorithm.equals("oomd") ? LearnerConfig.of(algorithm, "domain=ball:1", "G=2") : LearnerConfig.of(algorithm);
    live = Learners.create(config, d);
    state = live.exportState();
    SplittableRandom r = new SplittableRandom(1);
    gradients = new GradientVector[4];
    for (int k = 0; k < gradients.length; k++) {
      double[] g = new double[d];
      for (int i = 0; i < d; i++) {
        g[i] = (r.nextDouble() - 0.5) / Math.sqrt(d);
      }
      gradients[k] = GradientVector.dense(g);
    }
  }

  @Benchmark
  public LearnerState perRecord() {
    OnlineLearner learner = Learners.attach(config, d, state);
    learner.update(gradients[next++ & 3]);
    state = learner.exportState();
    return state;
  }

  @Benchmark
  public double updateOnly() {
    live.update(gradients[next++ & 3]);
    return live.decision()[0];
  }
}
