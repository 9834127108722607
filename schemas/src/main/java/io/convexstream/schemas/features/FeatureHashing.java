package io.convexstream.schemas.features;

import io.convexstream.schemas.LearningEvent;
import io.convexstream.schemas.NumericVector;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * Named features into a model's dimension, the hashing trick as Vowpal Wabbit and scikit-learn do
 * it: a feature named n goes to coordinate MurmurHash3_x86_32(UTF-8 bytes of n, seed {@value #SEED})
 * read as an unsigned 32-bit number, modulo the dimension; the values of names that collide add up.
 * No sign hashing. The Python client computes the same coordinates ({@code convexstream.features});
 * both sides check the reference vectors of MurmurHash3 and each other's golden vectors.
 */
public final class FeatureHashing {
  private FeatureHashing() {}

  /** The seed: fixed, so that producers, the job and the serving view agree. */
  public static final int SEED = 0;

  /** The coordinate of feature {@code name} in dimension {@code dim}. */
  public static int index(String name, int dim) {
    if (dim < 1) {
      throw new IllegalArgumentException("dimension must be positive: " + dim);
    }
    return (int) (Integer.toUnsignedLong(murmur3(name.getBytes(StandardCharsets.UTF_8), SEED)) % dim);
  }

  /** {@code features} (name → value) as coordinate → summed value, coordinates in increasing order. */
  public static TreeMap<Integer, Double> hash(Map<String, Double> features, int dim) {
    TreeMap<Integer, Double> out = new TreeMap<>();
    // names in order, so that colliding values add in the same order everywhere
    new TreeMap<>(features).forEach((name, value) -> out.merge(index(name, dim), value, Double::sum));
    return out;
  }

  /** Features as a vector: coordinates strictly increasing (null: {@code values} is dense), and their values. */
  public record Sparse(int[] indices, double[] values) {}

  /**
   * An event's features in dimension {@code dim}, as the learning loop reads them wherever it runs:
   * named ones hashed; a vector as it is, or null when its dimension is not {@code dim}.
   */
  public static Sparse of(LearningEvent event, int dim) {
    if (event.getNamedFeatures() != null) {
      return sparse(event.getNamedFeatures(), dim);
    }
    NumericVector v = event.getFeatures();
    if (v.getDim() != dim) {
      return null;
    }
    return new Sparse(v.getIndices() == null ? null : v.getIndices().stream().mapToInt(Integer::intValue).toArray(),
        v.getValues().stream().mapToDouble(Double::doubleValue).toArray());
  }

  /** {@link #hash} as arrays, what a linear model scores and learns with. */
  public static Sparse sparse(Map<String, Double> features, int dim) {
    TreeMap<Integer, Double> hashed = hash(features, dim);
    int[] indices = new int[hashed.size()];
    double[] values = new double[hashed.size()];
    int k = 0;
    for (Map.Entry<Integer, Double> c : hashed.entrySet()) {
      indices[k] = c.getKey();
      values[k++] = c.getValue();
    }
    return new Sparse(indices, values);
  }

  /** MurmurHash3 x86_32 (Austin Appleby's reference, little-endian blocks). */
  public static int murmur3(byte[] data, int seed) {
    final int c1 = 0xcc9e2d51;
    final int c2 = 0x1b873593;
    int h = seed;
    int blocks = data.length / 4;
    for (int i = 0; i < blocks; i++) {
      int k = (data[4 * i] & 0xff) | (data[4 * i + 1] & 0xff) << 8 | (data[4 * i + 2] & 0xff) << 16 | (data[4 * i + 3] & 0xff) << 24;
      k *= c1;
      k = Integer.rotateLeft(k, 15);
      k *= c2;
      h ^= k;
      h = Integer.rotateLeft(h, 13);
      h = h * 5 + 0xe6546b64;
    }
    int k = 0;
    int tail = blocks * 4;
    switch (data.length & 3) {
      case 3:
        k ^= (data[tail + 2] & 0xff) << 16;
        // fall through
      case 2:
        k ^= (data[tail + 1] & 0xff) << 8;
        // fall through
      case 1:
        k ^= data[tail] & 0xff;
        k *= c1;
        k = Integer.rotateLeft(k, 15);
        k *= c2;
        h ^= k;
        break;
      default:
        break;
    }
    h ^= data.length;
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }
}
