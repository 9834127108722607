package io.convexstream.benchmarks;

import io.convexstream.core.learn.LearnerConfig;
import io.convexstream.core.learn.Learners;
import io.convexstream.core.learn.OnlineLearner;
import io.convexstream.core.linalg.GradientVector;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
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
 * One exp-concave (ONS-style) optimistic update without projection (unconstrained domain): a
 * Sherman–Morrison update of U⁻¹ and two U⁻¹·v products, O(d²), in plain Java and on ND4J.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ExpConcaveUpdateBenchmark {
  @Param({"10", "100", "500", "1000"})
  int d;

  private OnlineLearner plain;
  private double[][] gradients;
  private INDArray uInv;
  private INDArray xHat;
  private INDArray hint;
  private INDArray[] nd4jGradients;
  private int next;

  @Setup
  public void setup() {
    Nd4j.getMemoryManager().togglePeriodicGc(false);
    plain = Learners.create(LearnerConfig.of("oomd-ec", "domain=unconstrained:2", "beta=1", "delta=4"), d);
    SplittableRandom r = new SplittableRandom(1);
    gradients = new double[4][d];
    nd4jGradients = new INDArray[4];
    for (int k = 0; k < 4; k++) {
      for (int i = 0; i < d; i++) {
        gradients[k][i] = (r.nextDouble() - 0.5) / Math.sqrt(d);
      }
      nd4jGradients[k] = Nd4j.createFromArray(gradients[k]).reshape(d, 1);
    }
    uInv = Nd4j.eye(d).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).muli(0.25);
    xHat = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.DOUBLE, d, 1);
    hint = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.DOUBLE, d, 1);
  }

  @Benchmark
  public double plainJava() {
    plain.update(GradientVector.dense(gradients[next++ & 3]));
    return plain.decision()[0];
  }

  @Benchmark
  public double nd4j() {
    INDArray g = nd4jGradients[next++ & 3];
    INDArray diff = g.sub(hint);
    INDArray w = uInv.mmul(diff);
    double s = 0.5;
    double denominator = 1 + s * diff.transpose().mmul(w).getDouble(0);
    Nd4j.getBlasWrapper().level2().ger('c', -s / denominator, w, w, uInv); // rank-1 update in place
    xHat.subi(uInv.mmul(g));
    hint = g;
    INDArray x = xHat.sub(uInv.mmul(hint));
    return x.getDouble(0);
  }
}
