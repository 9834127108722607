package io.convexstream.schemas.validate;

import io.convexstream.schemas.Feedback;
import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.LabelledExample;
import io.convexstream.schemas.LearningEvent;
import io.convexstream.schemas.MarketBar;
import io.convexstream.schemas.MarketTick;
import io.convexstream.schemas.RouterLoadReport;
import io.convexstream.schemas.RouterScoreBatch;
import io.convexstream.schemas.NumericVector;
import java.util.List;

/**
 * Stateless checks of decoded records: what a record must satisfy on its own, before any operator
 * state is consulted. Each check returns a readable reason, or null when the record is valid.
 */
public final class RecordChecks {
  /** Largest dimension accepted (dense vectors of 10^6 and more are supported; this stops garbage). */
  public static final int MAX_DIM = 1 << 26;
  /** Most ranks reporting one MoE step, and most experts of a layer (state is sized by them). */
  public static final int MAX_RANKS = 1 << 16;
  public static final int MAX_EXPERTS = 1 << 16;

  private RecordChecks() {}

  public static String vectorProblem(String what, NumericVector v) {
    if (v == null) {
      return what + " is missing";
    }
    int dim = v.getDim();
    if (dim <= 0 || dim > MAX_DIM) {
      return what + " has invalid dimension " + dim;
    }
    List<Double> values = v.getValues();
    List<Integer> indices = v.getIndices();
    if (indices == null) {
      if (values.size() != dim) {
        return what + " is dense with " + values.size() + " values but dimension " + dim;
      }
    } else {
      if (indices.size() != values.size()) {
        return what + " is sparse with " + indices.size() + " indices but " + values.size() + " values";
      }
      int previous = -1;
      for (int k = 0; k < indices.size(); k++) {
        int i = indices.get(k);
        if (i <= previous || i >= dim) {
          return what + " has index " + i + " at position " + k
              + (i >= dim ? " outside dimension " + dim : " not strictly increasing");
        }
        previous = i;
      }
    }
    for (int k = 0; k < values.size(); k++) {
      double x = values.get(k);
      if (!Double.isFinite(x)) {
        return what + " has non-finite value " + x + " at position " + k;
      }
    }
    return null;
  }

  /** The problem of any input record the jobs check (the same check as its job's), or null: valid, or not an input type. */
  public static String problem(Object record) {
    if (record instanceof Gradient g) {
      return gradientProblem(g);
    } else if (record instanceof LabelledExample e) {
      return exampleProblem(e);
    } else if (record instanceof LearningEvent e) {
      return eventProblem(e);
    } else if (record instanceof Feedback f) {
      return feedbackProblem(f);
    } else if (record instanceof RouterLoadReport r) {
      return loadReportProblem(r);
    } else if (record instanceof RouterScoreBatch b) {
      return scoreBatchProblem(b);
    } else if (record instanceof MarketTick t) {
      return tickProblem(t);
    } else if (record instanceof MarketBar b) {
      return barProblem(b);
    }
    return null;
  }

  public static String gradientProblem(Gradient g) {
    if (g.getModelId().isEmpty()) {
      return "empty modelId";
    }
    if (g.getStep() < 1) {
      return "step " + g.getStep() + " is not positive";
    }
    if (g.getLoss() != null && !Double.isFinite(g.getLoss())) {
      return "non-finite loss " + g.getLoss();
    }
    if (g.getComparatorLoss() != null && !Double.isFinite(g.getComparatorLoss())) {
      return "non-finite comparatorLoss " + g.getComparatorLoss();
    }
    return vectorProblem("gradient", g.getGradient());
  }

  public static String exampleProblem(LabelledExample e) {
    if (e.getModelId().isEmpty()) {
      return "empty modelId";
    }
    if (e.getStep() < 1) {
      return "step " + e.getStep() + " is not positive";
    }
    if (!Double.isFinite(e.getLabel())) {
      return "non-finite label " + e.getLabel();
    }
    if (!(e.getWeight() > 0) || !Double.isFinite(e.getWeight())) {
      return "weight " + e.getWeight() + " is not positive and finite";
    }
    if (e.getComparatorLoss() != null && !Double.isFinite(e.getComparatorLoss())) {
      return "non-finite comparatorLoss " + e.getComparatorLoss();
    }
    return vectorProblem("features", e.getFeatures());
  }

  public static String eventProblem(LearningEvent e) {
    if (e.getModelId().isEmpty()) {
      return "empty modelId";
    }
    if (e.getEventId().isEmpty()) {
      return "empty eventId";
    }
    if ((e.getFeatures() == null) == (e.getNamedFeatures() == null)) {
      return e.getFeatures() == null ? "neither features nor namedFeatures is set" : "both features and namedFeatures are set";
    }
    if (e.getNamedFeatures() != null) {
      for (var f : e.getNamedFeatures().entrySet()) {
        if (!Double.isFinite(f.getValue())) {
          return "non-finite value " + f.getValue() + " of feature " + f.getKey();
        }
      }
      return null;
    }
    return vectorProblem("features", e.getFeatures());
  }

  public static String feedbackProblem(Feedback f) {
    if (f.getModelId().isEmpty()) {
      return "empty modelId";
    }
    if (f.getEventId().isEmpty()) {
      return "empty eventId";
    }
    if (!Double.isFinite(f.getLabel())) {
      return "non-finite label " + f.getLabel();
    }
    if (!(f.getWeight() > 0) || !Double.isFinite(f.getWeight())) {
      return "weight " + f.getWeight() + " is not positive and finite";
    }
    return null;
  }

  public static String loadReportProblem(RouterLoadReport r) {
    String common = routingProblem(r.getModelId(), r.getLayer(), r.getGlobalStep(), r.getRank(), r.getExpectedRanks());
    if (common != null) {
      return common;
    }
    if (r.getTokensPerExpert().isEmpty() || r.getTokensPerExpert().size() > MAX_EXPERTS) {
      return r.getTokensPerExpert().size() + " experts in tokensPerExpert (1.." + MAX_EXPERTS + " allowed)";
    }
    for (int i = 0; i < r.getTokensPerExpert().size(); i++) {
      if (r.getTokensPerExpert().get(i) < 0) {
        return "negative token count " + r.getTokensPerExpert().get(i) + " for expert " + i;
      }
    }
    return null;
  }

  public static String scoreBatchProblem(RouterScoreBatch b) {
    String common = routingProblem(b.getModelId(), b.getLayer(), b.getGlobalStep(), b.getRank(), b.getExpectedRanks());
    if (common != null) {
      return common;
    }
    if (b.getNumTokens() < 0 || b.getNumExperts() < 1 || b.getNumExperts() > MAX_EXPERTS) {
      return "invalid shape " + b.getNumTokens() + " x " + b.getNumExperts();
    }
    if ((long) b.getNumTokens() * b.getNumExperts() != b.getScores().size()) {
      return "scores hold " + b.getScores().size() + " values, not " + b.getNumTokens() + " x " + b.getNumExperts();
    }
    for (int k = 0; k < b.getScores().size(); k++) {
      if (!Float.isFinite(b.getScores().get(k))) {
        return "non-finite score " + b.getScores().get(k) + " at position " + k;
      }
    }
    return null;
  }

  public static String tickProblem(MarketTick t) {
    if (t.getAsset().isEmpty()) {
      return "empty asset";
    }
    if (!(t.getPrice() > 0) || !Double.isFinite(t.getPrice())) {
      return "price " + t.getPrice() + " of " + t.getAsset() + " is not positive and finite";
    }
    if (!(t.getVolume() >= 0) || !Double.isFinite(t.getVolume())) {
      return "volume " + t.getVolume() + " of " + t.getAsset() + " is negative or not finite";
    }
    return null;
  }

  public static String barProblem(MarketBar b) {
    if (b.getAsset().isEmpty()) {
      return "empty asset";
    }
    for (double p : new double[] {b.getOpen(), b.getHigh(), b.getLow(), b.getClose()}) {
      if (!(p > 0) || !Double.isFinite(p)) {
        return "price " + p + " of " + b.getAsset() + " is not positive and finite";
      }
    }
    if (b.getHigh() < b.getLow()) {
      return "high " + b.getHigh() + " below low " + b.getLow();
    }
    if (b.getEndTime().isBefore(b.getEventTime())) {
      return "bar of " + b.getAsset() + " ends (" + b.getEndTime() + ") before it starts (" + b.getEventTime() + ")";
    }
    return null;
  }

  private static String routingProblem(String model, int layer, long step, int rank, int expectedRanks) {
    if (model.isEmpty()) {
      return "empty modelId";
    }
    if (layer < 0) {
      return "negative layer " + layer;
    }
    if (step < 0) {
      return "negative globalStep " + step;
    }
    if (expectedRanks < 1 || expectedRanks > MAX_RANKS) {
      return "expectedRanks " + expectedRanks + " outside 1.." + MAX_RANKS;
    }
    if (rank < 0 || rank >= expectedRanks) {
      return "rank " + rank + " outside 0.." + (expectedRanks - 1);
    }
    return null;
  }
}
