package io.convexstream.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.jobs.LocalStack;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A bounded soak: each pipeline runs at a sustained input rate on the embedded broker (loopback
 * only) for {@code -Dsoak.seconds} (default 15) and every input must come out: one parameter
 * update per gradient, one bias update per complete step, all four decisions of every closed period.
 * The throughput and latency figures it prints are measurements, not assertions: `convexstream
 * bench` measures them (BENCHMARKS.md).
 */
@Tag("slow")
class SoakIT {
  @RegisterExtension
  static final LocalStack STACK = new LocalStack(4);

  @ParameterizedTest
  @ValueSource(strings = {"gradients", "router-loads", "portfolio"})
  void sustainedLoadComesOutComplete(String pipeline) throws Exception {
    Duration duration = Duration.ofSeconds(Long.getLong("soak.seconds", 15));
    EndToEnd.Result r = EndToEnd.run(STACK.flink(), STACK.bootstrap(), pipeline, 2, 1000, duration, 0, Duration.ofSeconds(60),
        System.out::println);
    System.out.println("soak " + r.line());
    assertThat(r.inputs()).isPositive();
    if (pipeline.equals("portfolio")) {
      assertThat(r.outputs()).as("decisions: 4 per closed 100 ms period").isPositive().isEqualTo(r.outputs() / 4 * 4);
    } else {
      assertThat(r.outputs()).as("outputs, exactly once").isEqualTo(EndToEnd.expectedOutputs(pipeline, r.inputs(), false));
    }
  }
}
