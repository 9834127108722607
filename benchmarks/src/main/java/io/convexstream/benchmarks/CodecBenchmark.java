package io.convexstream.benchmarks;

import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.RouterLoadReport;
import io.convexstream.schemas.codec.AvroCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
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

/**
 * Decoding an input record from its binary wire form against decoding it from Avro's JSON encoding
 * (what kcat or `convexstream produce` users send): a dense gradient of {@code dim} entries and a
 * router load report of 64 experts.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBenchmark {
  @Param({"32", "1000"})
  int dim;

  private final AvroCodec<Gradient> gradients = AvroCodec.of(Gradient.class);
  private final AvroCodec<RouterLoadReport> loads = AvroCodec.of(RouterLoadReport.class);
  private byte[] gradientBinary;
  private byte[] gradientJson;
  private byte[] loadsBinary;
  private byte[] loadsJson;

  @Setup
  public void setup() {
    List<Double> values = new ArrayList<>();
    for (int i = 0; i < dim; i++) {
      values.add(Math.sin(i) * 1e-3);
    }
    Gradient g = new Gradient("model-17", 12345L, "worker-3", new NumericVector(dim, null, values), 0.25, null, Instant.ofEpochMilli(1_767_225_600_000L));
    gradientBinary = gradients.encode(g);
    gradientJson = gradients.encodeJson(g).getBytes(StandardCharsets.UTF_8);
    List<Long> counts = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      counts.add(1000L + 37L * i);
    }
    RouterLoadReport r = new RouterLoadReport("moe", 3, 41L, 0, 8, counts, 40L, Instant.ofEpochMilli(1_767_225_600_000L));
    loadsBinary = loads.encode(r);
    loadsJson = loads.encodeJson(r).getBytes(StandardCharsets.UTF_8);
  }

  @Benchmark
  public Gradient gradientFromBinary() {
    return gradients.decode(gradientBinary);
  }

  @Benchmark
  public Gradient gradientFromJson() {
    return gradients.decode(gradientJson);
  }

  @Benchmark
  public RouterLoadReport loadsFromBinary() {
    return loads.decode(loadsBinary);
  }

  @Benchmark
  public RouterLoadReport loadsFromJson() {
    return loads.decode(loadsJson);
  }
}
