package io.convexstream.flink.omd;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FigureMapTest {
  @Test
  void isTheMapOfItsFirstFigures() {
    Map<String, Double> m = new FigureMap(new String[] {"a", "b", "c"}, new double[] {1.5, Double.NaN});
    Map<String, Double> expected = new HashMap<>();
    expected.put("a", 1.5);
    expected.put("b", Double.NaN);
    assertThat(m).isEqualTo(expected).hasSize(2);
    assertThat(expected).isEqualTo(m);
    assertThat(m.hashCode()).isEqualTo(expected.hashCode());
    assertThat(m.get("b")).isNaN();
    assertThat(m.containsKey("c")).isFalse();
    assertThat(m.get("c")).isNull();
    assertThat(m.getOrDefault("c", -1.0)).isEqualTo(-1.0);
  }
}
