package io.convexstream.flink.moe;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.schemas.ExpertBiasUpdate;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class ModelBalanceFunctionTest {
  private static ExpertBiasUpdate update(int layer, long step, double batch, double global) {
    return new ExpertBiasUpdate("moe", layer, step, List.of(0f, 0f), batch, Map.of("maxVioGlobal", global), Instant.EPOCH, 1L);
  }

  @Test
  void meanAndMaxOverTheLayersLatestUpdates() throws Exception {
    try (var h = ProcessFunctionTestHarnesses.forKeyedProcessFunction(new ModelBalanceFunction(null), ExpertBiasUpdate::getModelId,
        Types.STRING)) {
      h.processElement(new StreamRecord<>(update(0, 1, 0.4, 0.2)));
      h.processElement(new StreamRecord<>(update(1, 1, 1.0, 0.6)));
      h.processElement(new StreamRecord<>(update(2, 1, 0.1, 0.1)));
      h.processElement(new StreamRecord<>(update(1, 2, 0.7, 0.5))); // layer 1 moves on
      h.processElement(new StreamRecord<>(update(1, 1, 9.0, 9.0))); // a replayed older step of layer 1 changes nothing
      List<ModelBalanceFunction.Balance> out = h.extractOutputValues();
      assertThat(out).hasSize(4);
      assertThat(out.get(2).figures()).containsExactly((0.4 + 1.0 + 0.1) / 3, 1.0, (0.2 + 0.6 + 0.1) / 3, 0.6, 3);
      double[] last = out.get(3).figures();
      assertThat(out.get(3).step()).isEqualTo(2);
      assertThat(last[0]).isCloseTo((0.4 + 0.7 + 0.1) / 3, org.assertj.core.data.Offset.offset(1e-15));
      assertThat(last[1]).isEqualTo(0.7);
      assertThat(last[3]).isEqualTo(0.5);
      assertThat(last[4]).isEqualTo(3);
    }
  }
}
