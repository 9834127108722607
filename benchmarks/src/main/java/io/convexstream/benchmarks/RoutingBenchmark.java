package io.convexstream.benchmarks;

import io.convexstream.core.moe.BalanceMetrics;
import io.convexstream.core.moe.LoadBalancer;
import io.convexstream.core.moe.Router;
import io.convexstream.core.synthetic.TokenRouteGenerator;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
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
 * Routing one batch of tokens (top-K of sigmoid scores + biases, counting tokens per expert) at
 * E = 256 experts, K = 8, in plain Java and on ND4J (sigmoid, broadcast add, row sort with
 * indices); and one balancer step (bias update + metrics) per load report.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RoutingBenchmark {
  private static final int E = 256;
  private static final int K = 8;

  @Param({"1024", "8192"})
  int tokens;

  private Router router;
  private float[] logits;
  private float[] biases;
  private INDArray logitMatrix;
  private INDArray biasRow;
  private LoadBalancer balancer;
  private long[] reportLoads;

  @Setup
  public void setup() {
    Nd4j.getMemoryManager().togglePeriodicGc(false);
    router = new Router(E, K);
    TokenRouteGenerator gen = new TokenRouteGenerator(E, 0.5, 0, 0, 1);
    logits = gen.logits(tokens);
    biases = new float[E];
    for (int i = 0; i < E; i++) {
      biases[i] = (i % 7 - 3) * 1e-3f;
    }
    logitMatrix = Nd4j.createFromArray(logits).reshape(tokens, E);
    biasRow = Nd4j.createFromArray(biases).reshape(1, E);
    balancer = new LoadBalancer(E, LoadBalancer.Variant.SIGN, false, 1e-3f, 0);
    reportLoads = new long[E];
    router.countLoads(logits, tokens, biases, reportLoads);
    // both paths must do the same work: identical loads
    if (!java.util.Arrays.equals(routePlainJava(), routeNd4j())) {
      throw new IllegalStateException("ND4J routing differs from plain Java routing");
    }
  }

  @Benchmark
  public long[] routePlainJava() {
    long[] loads = new long[E];
    router.countLoads(logits, tokens, biases, loads);
    return loads;
  }

  @Benchmark
  public long[] routeNd4j() {
    INDArray biased = Transforms.sigmoid(logitMatrix, true).addiRowVector(biasRow);
    // libnd4j's top_k op: outputs (values, indices) of the K largest per row
    INDArray[] top = Nd4j.exec(org.nd4j.linalg.api.ops.DynamicCustomOp.builder("top_k")
        .addInputs(biased).addIntegerArguments(K).addBooleanArguments(false).build());
    long[] loads = new long[E];
    for (long idx : top[1].data().asLong()) {
      loads[(int) idx]++;
    }
    return loads;
  }

  /** What closing one step costs the balancer: the bias update and the balance metrics. */
  @Benchmark
  public double balancerStep() {
    balancer.update(reportLoads);
    return BalanceMetrics.of(reportLoads, balancer.biases()).maxViolation();
  }
}
