package io.convexstream.flink.omd;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.connectors.flink.Decoded;
import io.convexstream.core.learn.LearnerConfig;
import io.convexstream.core.learn.Learners;
import io.convexstream.core.learn.OnlineLearner;
import io.convexstream.core.linalg.GradientVector;
import io.convexstream.flink.RawRecord;
import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.schemas.publication.ParameterAssembler;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** state.ttl: a model idle that long loses all of its state, counted; when it comes back it starts a new run. */
class LearnerStateTtlTest {
  private static final LearnerConfig OOMD = LearnerConfig.of("oomd", "domain=ball:1");
  private long offset = 100;

  private Decoded<Gradient> grad(String model, long step, double... g) {
    Gradient r = new Gradient(model, step, "w", new NumericVector(g.length, null, Arrays.stream(g).boxed().toList()),
        null, null, Instant.ofEpochMilli(step));
    return new Decoded<>(r, new RawRecord("convexstream.gradients", 0, offset++, 0, model.getBytes(), null));
  }

  /** The keys that hold state {@code name}, on either backend. */
  private static List<String> keys(KeyedOneInputStreamOperatorTestHarness<String, ?, ?> h, String name) {
    try (var keys = h.getOperator().<String>getKeyedStateBackend().getKeys(name, VoidNamespace.INSTANCE)) {
      return keys.toList();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"hashmap", "rocksdb"})
  void anIdleModelIsDroppedAndComesBackAsANewRun(String backend) throws Exception {
    try (var h = new KeyedOneInputStreamOperatorTestHarness<>(
        new KeyedProcessOperator<>(new LearnerFunction<>("test", LearnerSettings.defaults(OOMD), new RoundReader.Gradients(),
            Gradient.class, Duration.ofMinutes(1))),
        (Decoded<Gradient> d) -> d.value.getModelId(), Types.STRING)) {
      if (backend.equals("rocksdb")) {
        h.setStateBackend(new EmbeddedRocksDBStateBackend());
      }
      h.open();
      h.setProcessingTime(0);
      h.processElement(new StreamRecord<>(grad("idle", 1, 0.5, -0.5)));
      h.processElement(new StreamRecord<>(grad("busy", 1, 0.5, -0.5)));
      h.setProcessingTime(50_000);
      h.processElement(new StreamRecord<>(grad("idle", 2, 0.1, 0.2)));
      h.setProcessingTime(100_000);
      h.processElement(new StreamRecord<>(grad("busy", 2, 0.1, 0.2))); // keeps "busy" alive
      assertThat(keys(h, "progress")).containsExactlyInAnyOrder("idle", "busy");
      h.setProcessingTime(110_001); // "idle" last had a record at 50 s: a minute has passed
      for (String state : List.of("progress", "learner", "idle-since")) {
        assertThat(keys(h, state)).as(state).containsExactly("busy");
      }
      h.setProcessingTime(160_001);
      for (String state : List.of("progress", "learner", "idle-since")) {
        assertThat(keys(h, state)).as("every model idle a minute is gone: " + state).isEmpty();
      }

      // "idle" comes back at step 7: a new run (larger runEpoch) that starts there, version 1, from fresh parameters
      h.processElement(new StreamRecord<>(grad("idle", 7, 0.3, 0.3)));
      List<ParameterUpdate> idle = h.extractOutputValues().stream().filter(u -> u.getModelId().equals("idle")).toList();
      ParameterUpdate back = idle.get(idle.size() - 1);
      assertThat(back.getRunEpoch()).isGreaterThan(idle.get(0).getRunEpoch());
      assertThat(back.getVersion()).isEqualTo(1);
      assertThat(back.getStep()).isEqualTo(7);
      OnlineLearner fresh = Learners.create(OOMD, 2);
      fresh.update(GradientVector.dense(0.3, 0.3));
      assertThat(new ParameterAssembler().accept(back).parameters()).containsExactly(fresh.decision());
      assertThat(h.getSideOutput(io.convexstream.flink.DeadLetters.TAG)).as("nothing dead-lettered").isNull();
    }
  }
}
