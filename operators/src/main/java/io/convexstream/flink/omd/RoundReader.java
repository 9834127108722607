package io.convexstream.flink.omd;

import io.convexstream.core.learn.Loss;
import io.convexstream.core.linalg.GradientVector;
import io.convexstream.flink.RecordWire;
import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.LabelledExample;
import io.convexstream.schemas.NumericVector;
import java.io.Serializable;
import java.util.List;

/**
 * How one input record becomes a round of the online game: gradient mode takes the worker's
 * gradient; example mode computes loss and gradient at the current decision (test-then-train).
 */
public interface RoundReader<T> extends Serializable {
  String modelId(T record);

  long step(T record);

  String producerId(T record);

  /** Dimension of the record's vector. */
  int dim(T record);

  /** f_t(x_t), or NaN when unknown. */
  double loss(T record, double[] x);

  /** f_t(u) of a known comparator, or NaN. */
  double comparatorLoss(T record);

  /** g_t = ∇f_t(x_t). */
  GradientVector gradient(T record, double[] x);

  /** The coordinates where the record's gradient can be non-zero (strictly increasing), or null when it may be dense. */
  int[] coordinates(T record);

  /**
   * The record with its vector restricted to {@link #coordinates} and renumbered 0, 1, ...: the
   * same round played on those coordinates alone (for a learner kept in blocks, see {@link LearnerBlocks}).
   */
  T restricted(T record);

  /** The entries (a copy; unboxed when the record came between operators as primitives, {@link RecordWire}). */
  private static int[] ints(List<Integer> list) {
    if (list instanceof RecordWire.Ints primitive) {
      return primitive.toIntArray();
    }
    return list == null ? null : list.stream().mapToInt(Integer::intValue).toArray();
  }

  private static double[] doubles(List<Double> list) {
    if (list instanceof RecordWire.Doubles primitive) {
      return primitive.toDoubleArray();
    }
    double[] v = new double[list.size()];
    for (int k = 0; k < v.length; k++) {
      v[k] = list.get(k);
    }
    return v;
  }

  static GradientVector toVector(NumericVector v) {
    double[] vals = doubles(v.getValues());
    int[] idx = ints(v.getIndices());
    if (idx != null && idx.length != vals.length) {
      throw new IllegalArgumentException(idx.length + " indices for " + vals.length + " values");
    }
    return new GradientVector(v.getDim(), idx, vals);
  }

  /** Gradient mode. */
  final class Gradients implements RoundReader<Gradient> {
    private static final long serialVersionUID = 1L;

    @Override
    public String modelId(Gradient r) {
      return r.getModelId();
    }

    @Override
    public long step(Gradient r) {
      return r.getStep();
    }

    @Override
    public String producerId(Gradient r) {
      return r.getProducerId();
    }

    @Override
    public int dim(Gradient r) {
      return r.getGradient().getDim();
    }

    @Override
    public double loss(Gradient r, double[] x) {
      return r.getLoss() == null ? Double.NaN : r.getLoss();
    }

    @Override
    public double comparatorLoss(Gradient r) {
      return r.getComparatorLoss() == null ? Double.NaN : r.getComparatorLoss();
    }

    @Override
    public GradientVector gradient(Gradient r, double[] x) {
      return toVector(r.getGradient());
    }

    @Override
    public int[] coordinates(Gradient r) {
      return ints(r.getGradient().getIndices());
    }

    @Override
    public Gradient restricted(Gradient r) {
      List<Double> values = r.getGradient().getValues();
      // the constructor: a builder from a record deep-copies every field first
      return new Gradient(r.getModelId(), r.getStep(), r.getProducerId(), new NumericVector(values.size(), null, values), r.getLoss(),
          r.getComparatorLoss(), r.getEventTime());
    }
  }

  /** Example mode with a built-in loss. */
  final class Examples implements RoundReader<LabelledExample> {
    private static final long serialVersionUID = 1L;
    private final Loss loss;

    public Examples(Loss loss) {
      this.loss = loss;
    }

    @Override
    public String modelId(LabelledExample r) {
      return r.getModelId();
    }

    @Override
    public long step(LabelledExample r) {
      return r.getStep();
    }

    @Override
    public String producerId(LabelledExample r) {
      return r.getProducerId();
    }

    @Override
    public int dim(LabelledExample r) {
      return r.getFeatures().getDim();
    }

    @Override
    public double loss(LabelledExample r, double[] x) {
      return loss.value(x, toVector(r.getFeatures()), r.getLabel(), r.getWeight());
    }

    @Override
    public double comparatorLoss(LabelledExample r) {
      return r.getComparatorLoss() == null ? Double.NaN : r.getComparatorLoss();
    }

    @Override
    public GradientVector gradient(LabelledExample r, double[] x) {
      return loss.gradient(x, toVector(r.getFeatures()), r.getLabel(), r.getWeight());
    }

    /** The features' coordinates: a linear model's gradient is a multiple of its features (the distance loss's is dense). */
    @Override
    public int[] coordinates(LabelledExample r) {
      return loss == Loss.DISTANCE ? null : ints(r.getFeatures().getIndices());
    }

    @Override
    public LabelledExample restricted(LabelledExample r) {
      List<Double> values = r.getFeatures().getValues();
      return new LabelledExample(r.getModelId(), r.getStep(), r.getProducerId(), new NumericVector(values.size(), null, values),
          r.getLabel(), r.getWeight(), r.getComparatorLoss(), r.getEventTime());
    }
  }
}
