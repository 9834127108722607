package io.convexstream.cli.learn;

import io.convexstream.core.domain.Domain;
import io.convexstream.core.learn.LearnerConfig;
import io.convexstream.core.learn.LearnerState;
import io.convexstream.core.learn.Learners;
import io.convexstream.core.learn.Loss;
import io.convexstream.core.learn.OnlineLearner;
import io.convexstream.flink.omd.LearnerRound;
import io.convexstream.flink.omd.RoundReader;
import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.LabelledExample;
import io.convexstream.schemas.validate.RecordChecks;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Learners run over recorded rounds as the learner job runs them (`convexstream learn`): per model in
 * step order, each round through {@link LearnerRound} (the job's arithmetic), a refused update
 * leaving the model as it was.
 */
public final class OfflineLearning {
  /** Stands for a recorded message that did not decode (the job dead-letters it). */
  public static final Object UNDECODABLE = new Object();

  private OfflineLearning() {}

  /**
   * Valid records per model in step order (the job's checks: {@link RecordChecks}, one dimension per
   * model, a repeated step skipped), and how to play them.
   */
  public record Input<T>(RoundReader<T> reader, Map<String, List<T>> models, Map<String, Integer> dims, boolean linear, Loss loss,
      int records, int invalid, int repeated) {

    public static Input<Gradient> gradients(List<?> raw) {
      return of(raw, Gradient.class, new RoundReader.Gradients(), true, null);
    }

    public static Input<LabelledExample> examples(List<?> raw, Loss loss) {
      return of(raw, LabelledExample.class, new RoundReader.Examples(loss), false, loss);
    }

    private static <T> Input<T> of(List<?> raw, Class<T> type, RoundReader<T> reader, boolean linear, Loss loss) {
      Map<String, List<T>> models = new LinkedHashMap<>();
      Map<String, Integer> dims = new HashMap<>();
      int invalid = 0;
      for (Object o : raw) {
        if (!type.isInstance(o) || RecordChecks.problem(o) != null) {
          invalid++;
          continue;
        }
        T r = type.cast(o);
        String model = reader.modelId(r);
        if (dims.computeIfAbsent(model, m -> reader.dim(r)) != reader.dim(r)) {
          invalid++; // the job refuses a dimension other than the model's
          continue;
        }
        models.computeIfAbsent(model, m -> new ArrayList<>()).add(r);
      }
      int repeated = 0;
      for (Map.Entry<String, List<T>> e : models.entrySet()) {
        List<T> sorted = new ArrayList<>(e.getValue());
        sorted.sort(Comparator.comparingLong(reader::step)); // stable: of two records of one step, the first recorded
        List<T> kept = new ArrayList<>();
        for (T r : sorted) {
          if (!kept.isEmpty() && reader.step(r) <= reader.step(kept.get(kept.size() - 1))) {
            repeated++;
          } else {
            kept.add(r);
          }
        }
        e.setValue(kept);
      }
      return new Input<>(reader, models, dims, linear, loss, raw.size(), invalid, repeated);
    }

    /** f_t(u): the record's loss at u; for gradients the linear loss ⟨g_t, u⟩. */
    double lossAt(T record, double[] u) {
      return linear ? reader.gradient(record, u).dot(u) : reader.loss(record, u);
    }
  }

  /** One learner's run over every model; {@link #regret} and the regret curve come from {@link HindsightComparator}. */
  public static final class Result {
    private final String name;
    private final LearnerConfig config;
    private final Map<String, double[]> finalParameters = new LinkedHashMap<>();
    /** Per model, f_t(x_t) of each applied round, in order. */
    final Map<String, double[]> losses = new LinkedHashMap<>();
    /** Per model, the records of the applied rounds. */
    final Map<String, List<Object>> applied = new LinkedHashMap<>();
    private long rounds;
    private long refused;
    private long correct;
    private long classified;
    double regret = Double.NaN;
    double[][] regretCurve = new double[2][0];

    Result(String name, LearnerConfig config) {
      this.name = name;
      this.config = config;
    }

    public String name() {
      return name;
    }

    /** Where the comparator lives: the learner's domain (ftrl has none: l1 and l2 regularise it). */
    public Domain domain() {
      return config.algorithm().equals("ftrl") ? new io.convexstream.core.domain.Unconstrained(2) : config.domain();
    }

    public long rounds() {
      return rounds;
    }

    public long refused() {
      return refused;
    }

    /** Mean of f_t(x_t) over applied rounds (gradients: the linear loss ⟨g_t, x_t⟩). */
    public double meanLoss() {
      double s = 0;
      for (double[] l : losses.values()) {
        for (double v : l) {
          s += v;
        }
      }
      return rounds == 0 ? Double.NaN : s / rounds;
    }

    /** Share of rounds whose prediction sign(⟨x_t, a_t⟩) had the label's sign (classification losses), else NaN. */
    public double accuracy() {
      return classified == 0 ? Double.NaN : (double) correct / classified;
    }

    /** Σ_t f_t(x_t) − Σ_t f_t(u*) over every model, u* the model's best fixed point in hindsight. */
    public double regret() {
      return regret;
    }

    /** Regret after each round (rounds of every model summed by their index). */
    public double[][] regretCurve() {
      return regretCurve;
    }

    /** Mean progressive loss after each round (rounds of every model summed by their index). */
    public double[][] meanLossCurve() {
      int n = losses.values().stream().mapToInt(l -> l.length).max().orElse(0);
      double[] sum = new double[n];
      double[] count = new double[n];
      for (double[] l : losses.values()) {
        for (int i = 0; i < l.length; i++) {
          sum[i] += l[i];
          count[i]++;
        }
      }
      double[][] curve = {new double[n], new double[n]};
      double s = 0;
      double c = 0;
      for (int i = 0; i < n; i++) {
        s += sum[i];
        c += count[i];
        curve[0][i] = i + 1;
        curve[1][i] = s / c;
      }
      return curve;
    }

    public Map<String, double[]> finalParameters() {
      return finalParameters;
    }
  }

  public static <T> Result run(String name, LearnerConfig config, Input<T> input) {
    Result result = new Result(name, config);
    boolean classification = input.loss() == Loss.LOGISTIC || input.loss() == Loss.HINGE;
    for (Map.Entry<String, List<T>> m : input.models().entrySet()) {
      int dim = input.dims().get(m.getKey());
      OnlineLearner learner = Learners.create(config, dim);
      LearnerState saved = null;
      double[] losses = new double[m.getValue().size()];
      List<Object> applied = new ArrayList<>();
      for (T r : m.getValue()) {
        LearnerRound round = LearnerRound.play(learner, input.reader(), r);
        if (round.refused() != null) { // the job stores nothing: the model continues from its last state
          result.refused++;
          learner = saved == null ? Learners.create(config, dim) : Learners.restore(config, dim, saved);
          continue;
        }
        saved = learner.exportState();
        losses[applied.size()] = input.linear() ? round.gradient().dot(round.played()) : round.loss();
        applied.add(r);
        if (classification) {
          LabelledExample e = (LabelledExample) r;
          double margin = RoundReader.toVector(e.getFeatures()).dot(round.played()) * e.getLabel();
          result.classified++;
          result.correct += margin > 0 ? 1 : 0;
        }
      }
      result.rounds += applied.size();
      result.losses.put(m.getKey(), java.util.Arrays.copyOf(losses, applied.size()));
      result.applied.put(m.getKey(), applied);
      result.finalParameters.put(m.getKey(), learner.decision().clone());
    }
    return result;
  }
}
