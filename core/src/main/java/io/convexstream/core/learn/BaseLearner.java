package io.convexstream.core.learn;

/**
 * What every learner keeps the same way: its algorithm id and the rounds completed, and the state it
 * exports starts from them. A learner's own file then holds only its algorithm.
 */
abstract class BaseLearner implements OnlineLearner {
  private final String id;
  /** Rounds completed. */
  protected long t;

  BaseLearner(String id, LearnerState restored) {
    this.id = id;
    this.t = restored == null ? 0 : restored.rounds;
  }

  @Override
  public final String algorithm() {
    return id;
  }

  @Override
  public final long rounds() {
    return t;
  }

  /** A state with this learner's id and rounds, for {@link #exportState} to fill. */
  protected final LearnerState newState() {
    return new LearnerState(id, t);
  }
}
