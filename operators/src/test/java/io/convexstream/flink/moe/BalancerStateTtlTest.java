package io.convexstream.flink.moe;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.connectors.flink.Decoded;
import io.convexstream.core.moe.LoadBalancer;
import io.convexstream.flink.RawRecord;
import io.convexstream.schemas.ExpertBiasUpdate;
import io.convexstream.schemas.RouterLoadReport;
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

/** state.ttl: a layer idle that long, with no step open, loses its state; when it comes back it starts a new run. */
class BalancerStateTtlTest {
  private long offset = 10;

  private Decoded<RouterLoadReport> report(int layer, long step, long... loads) {
    RouterLoadReport r = new RouterLoadReport("moe", layer, step, 0, 1, Arrays.stream(loads).boxed().toList(), -1L,
        Instant.ofEpochMilli(step));
    return new Decoded<>(r, new RawRecord("convexstream.router-loads", 0, offset++, 0, null, null));
  }

  private static List<String> keys(KeyedOneInputStreamOperatorTestHarness<String, ?, ?> h, String name) {
    try (var keys = h.getOperator().<String>getKeyedStateBackend().getKeys(name, VoidNamespace.INSTANCE)) {
      return keys.toList();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"hashmap", "rocksdb"})
  void anIdleLayerIsDroppedAndComesBackAsANewRun(String backend) throws Exception {
    LoadSource.Reports source = new LoadSource.Reports();
    BalancerSettings settings = BalancerSettings.defaults().withTopK(2).withTimeout(1_000);
    try (var h = new KeyedOneInputStreamOperatorTestHarness<>(
        new KeyedProcessOperator<>(new ExpertBalancerFunction<>("test", settings, source, RouterLoadReport.class, Duration.ofMinutes(1))),
        (Decoded<RouterLoadReport> d) -> source.key(d.value), Types.STRING)) {
      if (backend.equals("rocksdb")) {
        h.setStateBackend(new EmbeddedRocksDBStateBackend());
      }
      h.open();
      h.setProcessingTime(0);
      h.processElement(new StreamRecord<>(report(0, 1, 5, 1, 2, 0)));
      h.processElement(new StreamRecord<>(report(1, 1, 5, 1, 2, 0)));
      h.setProcessingTime(40_000);
      h.processElement(new StreamRecord<>(report(1, 2, 1, 1, 1, 1)));
      assertThat(keys(h, "balancer")).containsExactlyInAnyOrder("moe/0", "moe/1");
      h.setProcessingTime(60_001);
      assertThat(keys(h, "balancer")).containsExactly("moe/1");
      h.setProcessingTime(100_001);
      assertThat(keys(h, "balancer")).isEmpty();
      assertThat(keys(h, "idle-since")).isEmpty();

      // layer 0 comes back at step 9: a new run from fresh biases, with a larger run epoch
      h.processElement(new StreamRecord<>(report(0, 9, 3, 1, 0, 0)));
      List<ExpertBiasUpdate> layer0 = h.extractOutputValues().stream().filter(u -> u.getLayer() == 0).toList();
      ExpertBiasUpdate back = layer0.get(layer0.size() - 1);
      assertThat(back.getStep()).isEqualTo(9);
      assertThat(back.getRunEpoch()).isGreaterThan(layer0.get(0).getRunEpoch());
      LoadBalancer fresh = new LoadBalancer(4, LoadBalancer.Variant.SIGN, false, 1e-3f, 0);
      fresh.update(new long[] {3, 1, 0, 0});
      float[] b = new float[4];
      for (int i = 0; i < 4; i++) {
        b[i] = back.getBiases().get(i);
      }
      assertThat(b).containsExactly(fresh.biases());
    }
  }
}
