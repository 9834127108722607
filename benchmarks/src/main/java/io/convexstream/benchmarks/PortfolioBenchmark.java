package io.convexstream.benchmarks;

import io.convexstream.core.portfolio.PortfolioStrategy;
import io.convexstream.core.portfolio.Strategies;
import io.convexstream.kafka.feeds.MarketBars;
import java.util.List;
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

/** One period (observe x_t, form b_{t+1}) of each online strategy, and of a combiner over four, at m assets. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class PortfolioBenchmark {
  @Param({"30", "500"})
  int m;

  @Param({"ucrp", "eg", "ons", "olmar1", "olmar2", "pamr", "cwmr_var", "cwmr_stdev", "rmr", "anticor", "accelerated"})
  String strategy;

  private PortfolioStrategy s;
  private double[][] x;
  private int next;

  @Setup
  public void setup() {
    x = MarketBars.syntheticRelatives(1024, m, 3);
    s = strategy.equals("accelerated")
        ? Strategies.combiner("accelerated", List.of("ucrp", "eg", "olmar1", "pamr"), m, x, 0)
        : Strategies.create(strategy, m, x);
  }

  @Benchmark
  public double period() {
    s.observe(x[next++ & 1023]);
    return s.weights()[0];
  }
}
