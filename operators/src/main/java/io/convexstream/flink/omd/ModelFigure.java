package io.convexstream.flink.omd;

/**
 * The per-model figures each publication carries in its metrics map and sets as gauges, in the
 * order they are published: those always published first, then the loss figures (once the inputs
 * gave a loss), then regret (once they gave a comparator's loss), so a publication's figures are a
 * prefix of this order. The aggregated ones are also gauges over all models ({@code all.<name>}).
 */
enum ModelFigure {
  UPDATES("updates", When.ALWAYS, false),
  STEP_SIZE("stepSize", When.ALWAYS, true),
  GRADIENT_VARIATION("gradientVariation", When.ALWAYS, true),
  PARAMETER_NORM("parameterNorm", When.ALWAYS, true),
  MISSING_STEPS("missingSteps", When.ALWAYS, false),
  REJECTED("rejected", When.ALWAYS, false),
  LOSS("loss", When.WITH_LOSS, true),
  CUMULATIVE_LOSS("cumulativeLoss", When.WITH_LOSS, false),
  MEAN_LOSS("meanLoss", When.WITH_LOSS, false),
  REGRET("regret", When.WITH_REGRET, true);

  /** When a figure is published. */
  enum When { ALWAYS, WITH_LOSS, WITH_REGRET }

  /** The names, by ordinal (what {@link FigureMap} and the gauges take). */
  static final String[] NAMES = names();

  final String figure;
  final When when;
  final boolean aggregated;

  ModelFigure(String figure, When when, boolean aggregated) {
    this.figure = figure;
    this.when = when;
    this.aggregated = aggregated;
  }

  private static String[] names() {
    ModelFigure[] all = values();
    String[] names = new String[all.length];
    for (ModelFigure f : all) {
      names[f.ordinal()] = f.figure;
    }
    return names;
  }

  /** How many figures a model publishes: those always, and those its inputs gave. */
  static int published(boolean hasLoss, boolean hasRegret) {
    int n = 0;
    for (ModelFigure f : values()) {
      if (f.when == When.ALWAYS || f.when == When.WITH_LOSS && hasLoss || f.when == When.WITH_REGRET && hasRegret) {
        n++;
      }
    }
    return n;
  }
}
