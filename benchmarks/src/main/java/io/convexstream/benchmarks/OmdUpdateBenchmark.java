package io.convexstream.benchmarks;

import io.convexstream.core.learn.LearnerConfig;
import io.convexstream.core.learn.Learners;
import io.convexstream.core.learn.OnlineLearner;
import io.convexstream.core.linalg.GradientVector;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
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
 * One optimistic OMD update (two projected steps on the unit ball, adaptive step size) at dimension
 * d: the core's plain-Java learner against the same arithmetic on ND4J arrays.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class OmdUpdateBenchmark {
  @Param({"10", "1000", "100000", "1000000"})
  int d;

  private OnlineLearner plain;
  private GradientVector[] gradients;
  private INDArray xHat;
  private INDArray x;
  private INDArray hint;
  private INDArray[] nd4jGradients;
  private double variation;
  private int next;

  @Setup
  public void setup() {
    // ND4J triggers System.gc() periodically to free off-heap buffers; measure the arithmetic instead
    Nd4j.getMemoryManager().togglePeriodicGc(false);
    plain = Learners.create(LearnerConfig.of("oomd", "domain=ball:1"), d);
    SplittableRandom r = new SplittableRandom(1);
    gradients = new GradientVector[4];
    nd4jGradients = new INDArray[4];
    for (int k = 0; k < gradients.length; k++) {
      double[] g = new double[d];
      for (int i = 0; i < d; i++) {
        g[i] = (r.nextDouble() - 0.5) / Math.sqrt(d);
      }
      gradients[k] = GradientVector.dense(g);
      nd4jGradients[k] = Nd4j.createFromArray(g);
    }
    xHat = Nd4j.zeros(DataType.DOUBLE, d);
    x = Nd4j.zeros(DataType.DOUBLE, d);
    hint = Nd4j.zeros(DataType.DOUBLE, d);
  }

  @Benchmark
  public double plainJava() {
    plain.update(gradients[next++ & 3]);
    return plain.decision()[0];
  }

  @Benchmark
  public double nd4j() {
    INDArray g = nd4jGradients[next++ & 3];
    double eta = 2 / Math.sqrt(5 + variation);
    variation += g.squaredDistance(hint);
    Nd4j.getBlasWrapper().level1().axpy(d, -eta, g, xHat); // in place, no temporary
    double n = xHat.norm2Number().doubleValue();
    if (n > 1) {
      xHat.divi(n);
    }
    hint = g;
    double etaNext = 2 / Math.sqrt(5 + variation);
    x.assign(xHat);
    Nd4j.getBlasWrapper().level1().axpy(d, -etaNext, hint, x);
    double m = x.norm2Number().doubleValue();
    if (m > 1) {
      x.divi(m);
    }
    return x.getDouble(0);
  }
}
