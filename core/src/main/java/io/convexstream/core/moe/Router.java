package io.convexstream.core.moe;

/**
 * Top-K expert selection with per-expert biases, as in DeepSeek-V3 / Megatron-Core / torchtitan:
 * the experts of a token are the top-K of (s_i + b_i), where s = sigmoid(logits) (default) or
 * softmax(logits); the gate values use the unbiased s of the selected experts (normalised to sum 1).
 * Group-limited routing: experts form {@code groups} equal groups, each group is scored by the sum
 * of its two highest biased scores, and only the {@code topGroups} best groups are eligible.
 * Ties go to the lower expert (and group) index, so routing is deterministic.
 */
public final class Router {
  /** How router logits become affinity scores. */
  public enum Scoring { SIGMOID, SOFTMAX }

  private final int experts;
  private final int k;
  private final Scoring scoring;
  private final int groups;
  private final int topGroups;

  public Router(int experts, int k, Scoring scoring, int groups, int topGroups) {
    if (experts < 1 || k < 1 || k > experts || groups < 1 || experts % groups != 0 || topGroups < 1 || topGroups > groups
        || k > topGroups * (experts / groups)) {
      throw new IllegalArgumentException("need 1 ≤ K ≤ eligible experts, groups dividing the experts, 1 ≤ topGroups ≤ groups");
    }
    this.experts = experts;
    this.k = k;
    this.scoring = scoring;
    this.groups = groups;
    this.topGroups = topGroups;
  }

  /** Plain top-K routing over all experts with sigmoid scores. */
  public Router(int experts, int k) {
    this(experts, k, Scoring.SIGMOID, 1, 1);
  }

  public int experts() {
    return experts;
  }

  public int k() {
    return k;
  }

  /**
   * Routes {@code tokens} rows of row-major {@code logits} (tokens × experts) with {@code biases}
   * and adds each expert's token count to {@code loads}.
   */
  public void countLoads(float[] logits, int tokens, float[] biases, long[] loads) {
    int[] chosen = new int[k];
    float[] s = new float[experts];
    float[] biased = new float[experts];
    for (int t = 0; t < tokens; t++) {
      selectToken(logits, t * experts, biases, s, biased, chosen);
      for (int j = 0; j < k; j++) {
        loads[chosen[j]]++;
      }
    }
  }

  /** The experts of one token (ascending biased-score rank) and their gate values. */
  public Selection route(float[] logits, int offset, float[] biases) {
    int[] chosen = new int[k];
    float[] s = new float[experts];
    float[] biased = new float[experts];
    selectToken(logits, offset, biases, s, biased, chosen);
    float[] gates = new float[k];
    float sum = 0;
    for (int j = 0; j < k; j++) {
      gates[j] = s[chosen[j]];
      sum += gates[j];
    }
    if (!(sum >= Float.MIN_NORMAL)) { // every selected score underflowed (logits ≲ −104): 0 / 0 gates
      underflowGates(logits, offset, chosen, gates);
      return new Selection(chosen, gates);
    }
    for (int j = 0; j < k; j++) {
      gates[j] /= sum;
    }
    return new Selection(chosen, gates);
  }

  /**
   * Gate values normalised in the log domain, from the selected experts' logits: log σ(l) for sigmoid
   * scores, l for softmax (its normaliser cancels), the same ratios the float path computes when it
   * can; they sum to 1 and stay finite however negative the logits.
   */
  private void underflowGates(float[] logits, int offset, int[] chosen, float[] gates) {
    double[] w = new double[k];
    double max = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < k; j++) {
      double l = logits[offset + chosen[j]];
      w[j] = scoring == Scoring.SIGMOID ? (l >= 0 ? -Math.log1p(Math.exp(-l)) : l - Math.log1p(Math.exp(l))) : l;
      max = Math.max(max, w[j]);
    }
    double sum = 0;
    for (int j = 0; j < k; j++) {
      w[j] = Math.exp(w[j] - max);
      sum += w[j];
    }
    for (int j = 0; j < k; j++) {
      gates[j] = (float) (w[j] / sum);
    }
  }

  /** Selected experts (best first) and their normalised gate values. */
  public record Selection(int[] experts, float[] gates) {}

  private void selectToken(float[] logits, int offset, float[] biases, float[] s, float[] biased, int[] chosen) {
    scores(logits, offset, s);
    for (int i = 0; i < experts; i++) {
      biased[i] = s[i] + biases[i];
    }
    if (groups > 1) {
      maskGroups(biased);
    }
    topK(biased, chosen);
  }

  private void scores(float[] logits, int offset, float[] s) {
    if (scoring == Scoring.SIGMOID) {
      for (int i = 0; i < experts; i++) {
        s[i] = (float) (1 / (1 + Math.exp(-logits[offset + i])));
      }
    } else {
      float max = Float.NEGATIVE_INFINITY;
      for (int i = 0; i < experts; i++) {
        max = Math.max(max, logits[offset + i]);
      }
      float sum = 0;
      for (int i = 0; i < experts; i++) {
        s[i] = (float) Math.exp(logits[offset + i] - max);
        sum += s[i];
      }
      for (int i = 0; i < experts; i++) {
        s[i] /= sum;
      }
    }
  }

  /** Sets the biased scores of experts outside the top groups to −∞. */
  private void maskGroups(float[] biased) {
    int size = experts / groups;
    float[] groupScore = new float[groups];
    for (int g = 0; g < groups; g++) {
      float first = Float.NEGATIVE_INFINITY;
      float second = Float.NEGATIVE_INFINITY;
      for (int i = g * size; i < (g + 1) * size; i++) {
        float v = biased[i];
        if (v > first) {
          second = first;
          first = v;
        } else if (v > second) {
          second = v;
        }
      }
      groupScore[g] = size == 1 ? first : first + second;
    }
    int[] keep = new int[topGroups];
    topK(groupScore, keep);
    boolean[] eligible = new boolean[groups];
    for (int g : keep) {
      eligible[g] = true;
    }
    for (int g = 0; g < groups; g++) {
      if (!eligible[g]) {
        for (int i = g * size; i < (g + 1) * size; i++) {
          biased[i] = Float.NEGATIVE_INFINITY;
        }
      }
    }
  }

  /** Indices of the chosen.length largest values, best first; ties to the lower index. */
  static void topK(float[] values, int[] chosen) {
    int m = chosen.length;
    int filled = 0;
    for (int i = 0; i < values.length; i++) {
      float v = values[i];
      if (filled == m && !(v > values[chosen[m - 1]])) {
        continue;
      }
      int pos = filled < m ? filled++ : m - 1;
      while (pos > 0 && v > values[chosen[pos - 1]]) {
        chosen[pos] = chosen[pos - 1];
        pos--;
      }
      chosen[pos] = i;
    }
  }
}
