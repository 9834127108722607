package io.convexstream.core.join;

/**
 * Which of a model's learners serves. All of them score every event and learn from every joined
 * feedback; each one's progressive loss is the loss of the score it gave before the label was
 * known. Feedback is grouped into windows of {@code window} ms of its event time (aligned to the
 * epoch). When a window ends — at the first feedback past it, so the rule sees exactly the same
 * feedback in a replay — the challenger with the least mean loss in the window replaces the
 * champion if that mean is below the champion's by more than {@code margin} (relative: mean <
 * (1 − margin) × the champion's) and the window joined at least {@code minJoined} feedbacks.
 * Otherwise, and always when promotion is off, the champion stays.
 */
public record ChampionRule(long window, double margin, long minJoined, boolean automatic) implements java.io.Serializable {
  public ChampionRule {
    if (window < 1 || !(margin >= 0 && margin < 1) || minJoined < 1) {
      throw new IllegalArgumentException("champion.window must be positive, champion.margin in [0, 1) and champion.minJoined at least 1");
    }
  }

  /** What a window's end decided: the learner serving next, and why. */
  public record Decision(int champion, boolean promoted, String reason) {}

  /** The start of the window holding {@code time}. */
  public long windowOf(long time) {
    return Math.floorDiv(time, window) * window;
  }

  /** The decision at the end of a window in which {@code champion} served, the learners' summed losses {@code loss} over {@code joined} examples. */
  public Decision decide(int champion, String[] names, double[] loss, long joined) {
    int best = champion;
    for (int i = 0; i < loss.length; i++) {
      if (loss[i] < loss[best]) {
        best = i;
      }
    }
    String figures = names[champion] + " " + mean(loss[champion], joined) + (best == champion ? "" : ", " + names[best] + " "
        + mean(loss[best], joined));
    if (!automatic) {
      return new Decision(champion, false, "promotion is off (champion.promote=never); mean loss " + figures);
    }
    if (best == champion) {
      return new Decision(champion, false, "the champion has the least mean loss: " + figures);
    }
    if (joined < minJoined) {
      return new Decision(champion, false, "only " + joined + " feedbacks joined (champion.minJoined " + minJoined + "); mean loss " + figures);
    }
    if (loss[best] < (1 - margin) * loss[champion]) {
      return new Decision(best, true, names[best] + " beats the champion by more than champion.margin " + margin + ": mean loss " + figures);
    }
    return new Decision(champion, false, "no challenger beats the champion by champion.margin " + margin + ": mean loss " + figures);
  }

  private static double mean(double sum, long n) {
    return n == 0 ? Double.NaN : sum / n;
  }
}
