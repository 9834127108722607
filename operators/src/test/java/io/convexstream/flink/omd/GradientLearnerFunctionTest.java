package io.convexstream.flink.omd;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.connectors.flink.DeadLetters;
import io.convexstream.connectors.flink.Decoded;
import io.convexstream.connectors.flink.RawRecord;
import io.convexstream.core.omd.OnlineGradientDescent;
import io.convexstream.schemas.DeadLetter;
import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.ParameterUpdate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class GradientLearnerFunctionTest {
  private static long offset;

  private static Decoded<Gradient> rec(String model, long step, double... g) {
    List<Double> v = new ArrayList<>();
    for (double e : g) {
      v.add(e);
    }
    Gradient grad = new Gradient(model, step, "w", new NumericVector(g.length, null, v), null, Instant.ofEpochMilli(step));
    return new Decoded<>(grad, new RawRecord("convexstream.gradients", 0, offset++, 0, model.getBytes(), null));
  }

  /** An opened harness. */
  private static KeyedOneInputStreamOperatorTestHarness<String, Decoded<Gradient>, ParameterUpdate> harness() throws Exception {
    return ProcessFunctionTestHarnesses.forKeyedProcessFunction(
        new GradientLearnerFunction("test", 1.0, 1.0), d -> d.value.getModelId(), Types.STRING);
  }

  /** A harness not yet initialized, for restoring a snapshot. */
  private static KeyedOneInputStreamOperatorTestHarness<String, Decoded<Gradient>, ParameterUpdate> unopenedHarness() throws Exception {
    return new KeyedOneInputStreamOperatorTestHarness<>(
        new KeyedProcessOperator<>(new GradientLearnerFunction("test", 1.0, 1.0)), d -> d.value.getModelId(), Types.STRING);
  }

  private static List<ParameterUpdate> outputs(KeyedOneInputStreamOperatorTestHarness<String, Decoded<Gradient>, ParameterUpdate> h) {
    return h.extractOutputValues();
  }

  @Test
  void appliesOgdPerModelAndVersionsOutputs() throws Exception {
    try (var h = harness()) {
      h.processElement(new StreamRecord<>(rec("a", 1, 0.5, 0.0)));
      h.processElement(new StreamRecord<>(rec("b", 1, 0.0, 0.0, 0.25)));
      h.processElement(new StreamRecord<>(rec("a", 2, 0.0, -0.5)));

      List<ParameterUpdate> out = outputs(h);
      assertThat(out).extracting(ParameterUpdate::getModelId).containsExactly("a", "b", "a");
      assertThat(out).extracting(ParameterUpdate::getVersion).containsExactly(1L, 1L, 2L);

      double[] x = new double[2];
      OnlineGradientDescent ogd = new OnlineGradientDescent(1.0, 1.0);
      ogd.update(x, 1, null, new double[] {0.5, 0.0});
      ogd.update(x, 2, null, new double[] {0.0, -0.5});
      assertThat(out.get(2).getParameters().getValues()).containsExactly(x[0], x[1]);
      assertThat(out.get(2).getMetrics().get("stepSize")).isEqualTo(ogd.stepSize(2));
    }
  }

  @Test
  void deadLettersStaleStepsAndWrongDimensionsWithTheirOrigin() throws Exception {
    try (var h = harness()) {
      h.processElement(new StreamRecord<>(rec("a", 3, 0.1, 0.1)));
      Decoded<Gradient> dup = rec("a", 3, 0.1, 0.1);
      h.processElement(new StreamRecord<>(dup));
      h.processElement(new StreamRecord<>(rec("a", 2, 0.1, 0.1)));
      h.processElement(new StreamRecord<>(rec("a", 4, 0.1, 0.1, 0.1)));

      assertThat(outputs(h)).hasSize(1);
      List<DeadLetter> dead = h.getSideOutput(DeadLetters.TAG).stream().map(StreamRecord::getValue).toList();
      assertThat(dead).extracting(DeadLetter::getReason).containsExactly(
          "stale step 3: model a already applied step 3",
          "stale step 2: model a already applied step 3",
          "dimension mismatch: model a has dimension 2, gradient has 3");
      assertThat(dead).allMatch(d -> d.getStage().equals(DeadLetters.APPLY));
      assertThat(dead.get(0).getOffset()).isEqualTo(dup.offset);
      assertThat(dead.get(0).getValue()).isNotNull();
    }
  }

  @Test
  void restoredStateContinuesWithIdenticalOutputs() throws Exception {
    List<Decoded<Gradient>> first = List.of(rec("a", 1, 0.3, -0.2), rec("b", 1, 0.1), rec("a", 2, -0.4, 0.9));
    List<Decoded<Gradient>> rest = List.of(rec("a", 3, 0.2, 0.2), rec("b", 2, -0.7), rec("a", 4, 0.05, -0.3));

    List<ParameterUpdate> uninterrupted;
    try (var h = harness()) {
      for (var r : first) {
        h.processElement(new StreamRecord<>(r));
      }
      for (var r : rest) {
        h.processElement(new StreamRecord<>(r));
      }
      uninterrupted = outputs(h);
    }

    OperatorSubtaskState snapshot;
    try (var h = harness()) {
      for (var r : first) {
        h.processElement(new StreamRecord<>(r));
      }
      snapshot = h.snapshot(1L, 1L);
    }
    try (var h = unopenedHarness()) {
      h.setup();
      h.initializeState(snapshot);
      h.open();
      for (var r : rest) {
        h.processElement(new StreamRecord<>(r));
      }
      assertThat(outputs(h)).isEqualTo(uninterrupted.subList(first.size(), uninterrupted.size()));
    }
  }
}
