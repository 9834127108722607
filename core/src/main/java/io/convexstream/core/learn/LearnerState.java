package io.convexstream.core.learn;

import java.util.HashMap;
import java.util.Map;

/**
 * Everything a learner needs to continue exactly where it stopped: named arrays and scalars. A
 * plain POJO, so engines can checkpoint it and it can evolve by adding names.
 */
public class LearnerState {
  public String algorithm;
  public long rounds;
  public Map<String, double[]> arrays = new HashMap<>();
  public Map<String, Double> scalars = new HashMap<>();

  public LearnerState() {}

  public LearnerState(String algorithm, long rounds) {
    this.algorithm = algorithm;
    this.rounds = rounds;
  }

  /** A copy of the named array. */
  public double[] array(String name) {
    return view(name).clone();
  }

  /** The array itself, not a copy: for a reader that copies what it keeps (a learner's matrices). */
  public double[] view(String name) {
    double[] a = arrays.get(name);
    if (a == null) {
      throw new IllegalStateException(algorithm + " state lacks array '" + name + "'");
    }
    return a;
  }

  public double scalar(String name, double orElse) {
    return scalars.getOrDefault(name, orElse);
  }
}
