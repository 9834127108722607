package io.convexstream.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.jobs.LocalStack;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A bounded soak: each pipeline runs at a sustained input rate on the embedded broker (loopback
 * only) for {@code -Dsoak.seconds} (default 15) and every input must come out: one parameter
 * update per gradient, one bias update per complete step, all four decisions of every closed period.
 * The throughput and latency figures it prints are measurements, not assertions: `convexstream
 * bench` measures them (BENCHMARKS.md). Also: the capacity bench's three jobs each account for
 * every record of a shared backlog.
 */
@Tag("slow")
class SoakIT {
  @RegisterExtension
  static final LocalStack STACK = new LocalStack(4);

  @ParameterizedTest
  @ValueSource(strings = {"gradients", "router-loads", "portfolio"})
  void sustainedLoadComesOutComplete(String pipeline) throws Exception {
    Duration duration = Duration.ofSeconds(Long.getLong("soak.seconds", 15));
    EndToEnd.Result r = EndToEnd.run(STACK.flink(), STACK.bootstrap(), pipeline, 2, 1000, duration, Duration.ofSeconds(60),
        System.out::println);
    System.out.println("soak " + r.line());
    assertThat(r.inputs()).isPositive();
    if (pipeline.equals("portfolio")) {
      assertThat(r.outputs()).as("decisions: 4 per closed 100 ms period").isPositive().isEqualTo(r.outputs() / 4 * 4);
    } else {
      assertThat(r.outputs()).as("outputs, exactly once").isEqualTo(EndToEnd.expectedOutputs(pipeline, r.inputs(), false));
    }
  }

  @Test
  void capacityRunsReadTheSameBacklogCompletely() throws Exception {
    EndToEnd.Backlog backlog = EndToEnd.backlog(STACK.bootstrap(), "gradients", 20_000, System.out::println);
    for (String spec : List.of(EndToEnd.BASELINE + "gradients", EndToEnd.KEYED + "gradients", "gradients", "gradients")) {
      EndToEnd.Result r = EndToEnd.capacity(STACK.flink(), STACK.bootstrap(), spec, 1, backlog, Duration.ofSeconds(120));
      System.out.println("capacity " + r.line());
      assertThat(r.complete()).as(spec).isTrue();
      assertThat(r.outputs()).as("%s: one output per record of the backlog, exactly once", spec).isEqualTo(backlog.records());
      assertThat(r.recordsPerSecond()).as(spec).isPositive();
      assertThat(r.cores()).as(spec).isPositive();
    }
  }
}
