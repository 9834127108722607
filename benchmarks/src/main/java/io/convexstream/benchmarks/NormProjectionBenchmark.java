package io.convexstream.benchmarks;

import io.convexstream.core.linalg.DenseMatrix;
import io.convexstream.core.linalg.Vectors;
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
 * oomd-ec's projection onto the ball in the U-norm: Newton on the secular equation, one
 * Cholesky per step ({@code newton}, production), against bisection, one Cholesky per
 * halving ({@code bisection}, kept here as the baseline). U = 4I + Σ of 2d random rank-one terms, y
 * outside the ball.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 1, time = 2)
@Fork(3)
public class NormProjectionBenchmark {
  @Param({"100", "400", "1000"})
  int d;

  private double[] u;
  private double[] y;

  @Setup
  public void setup() {
    SplittableRandom r = new SplittableRandom(5);
    u = DenseMatrix.scaledIdentity(d, 4);
    double[] v = new double[d];
    for (int k = 0; k < 2 * d; k++) {
      for (int i = 0; i < d; i++) {
        v[i] = r.nextDouble() - 0.5;
      }
      DenseMatrix.addOuter(u, v, 0.5);
    }
    y = new double[d];
    for (int i = 0; i < d; i++) {
      y[i] = r.nextDouble() - 0.5;
    }
  }

  @Benchmark
  public double[] newton() {
    return DenseMatrix.projectOntoBallInNorm(u, y, 1.0);
  }

  @Benchmark
  public double[] bisection() {
    double[] uy = DenseMatrix.multiply(u, y);
    double lo = 0;
    double hi = 1;
    while (Vectors.norm2(DenseMatrix.solveShifted(u, hi, uy)) > 1.0) {
      hi *= 2;
    }
    for (int iter = 0; iter < 100 && hi - lo > 1e-14 * Math.max(1, hi); iter++) {
      double mid = 0.5 * (lo + hi);
      if (Vectors.norm2(DenseMatrix.solveShifted(u, mid, uy)) > 1.0) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return DenseMatrix.solveShifted(u, hi, uy);
  }
}
