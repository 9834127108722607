package io.convexstream.schemas.features;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.schemas.LearningEvent;
import io.convexstream.schemas.NumericVector;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FeatureHashingTest {
  private static int hash(String s, int seed) {
    return FeatureHashing.murmur3(s.getBytes(StandardCharsets.UTF_8), seed);
  }

  /** Published vectors of MurmurHash3 x86_32 (SMHasher's and the mmh3 package's). */
  @Test
  void referenceVectors() {
    assertThat(hash("", 0)).isEqualTo(0);
    assertThat(hash("", 1)).isEqualTo(0x514E28B7);
    assertThat(hash("hello", 0)).isEqualTo(0x248BFA47);
    assertThat(hash("foo", 0)).isEqualTo(-156908512);
    assertThat(hash("foo", 42)).isEqualTo(-1322301282);
    assertThat(hash("The quick brown fox jumps over the lazy dog", 0)).isEqualTo(0x2E4FF723);
  }

  @Test
  void namesGoToUnsignedHashModuloTheDimensionAndCollisionsAdd() {
    int dim = 1 << 20;
    assertThat(FeatureHashing.index("foo", dim)).isEqualTo((int) (Integer.toUnsignedLong(-156908512) % dim));
    assertThat(FeatureHashing.hash(Map.of("a", 1.0, "b", 2.0, "c", 4.0), 1)).containsExactly(Map.entry(0, 7.0));
    assertThat(FeatureHashing.hash(Map.of("user=42", 1.0, "ad=7", 0.5), dim)).hasSize(2)
        .containsEntry(FeatureHashing.index("user=42", dim), 1.0).containsEntry(FeatureHashing.index("ad=7", dim), 0.5);
  }

  @Test
  void anEventsFeaturesAreHashedNamesOrItsVectorOfTheModelsDimension() {
    java.time.Instant t = java.time.Instant.EPOCH;
    FeatureHashing.Sparse named = FeatureHashing.of(new LearningEvent("m", "e", null, Map.of("b", 2.0, "a", 1.0), t), 1);
    assertThat(named.indices()).containsExactly(0);
    assertThat(named.values()).containsExactly(3.0);
    FeatureHashing.Sparse sparse = FeatureHashing.of(new LearningEvent("m", "e", new NumericVector(8, List.of(1, 5), List.of(0.5, -1.0)),
        null, t), 8);
    assertThat(sparse.indices()).containsExactly(1, 5);
    assertThat(sparse.values()).containsExactly(0.5, -1.0);
    FeatureHashing.Sparse dense = FeatureHashing.of(new LearningEvent("m", "e", new NumericVector(2, null, List.of(0.5, -1.0)), null, t), 2);
    assertThat(dense.indices()).isNull();
    assertThat(dense.values()).containsExactly(0.5, -1.0);
    assertThat(FeatureHashing.of(new LearningEvent("m", "e", new NumericVector(3, null, List.of(1.0, 2.0, 3.0)), null, t), 2)).isNull();
  }
}
