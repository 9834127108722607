package io.convexstream.kafka.feeds;

import io.convexstream.schemas.Feedback;
import io.convexstream.schemas.LearningEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A click-through-like stream for the learning loop: impressions (events) with named features
 * (`ad=<a>`, `site=<s>`, `bias`), each clicked (+1) or not (−1) with the probability a hidden
 * logistic model gives, the outcome seen after a random delay, or never (lost). Halfway through,
 * the hidden model changes (the ads' appeal is reshuffled): learners that adapt quickly then serve
 * better. Seeded: the same seed gives the same stream.
 *
 * @param events impressions, in event-time order
 * @param feedback outcomes, in their own event-time order (as a producer that sends them when seen)
 */
public record ClickStream(List<LearningEvent> events, List<Feedback> feedback) {

  /**
   * {@code n} impressions of {@code model}, {@code spacingMillis} apart from {@code start}; outcomes
   * seen after a delay uniform in [{@code minDelayMillis}, {@code maxDelayMillis}), a fraction
   * {@code lost} never.
   */
  public static ClickStream generate(String model, int n, Instant start, long spacingMillis, long minDelayMillis, long maxDelayMillis,
      double lost, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int ads = 20;
    int sites = 5;
    double[] appeal = new double[ads];
    double[] siteEffect = new double[sites];
    for (int a = 0; a < ads; a++) {
      appeal[a] = 1.5 * gaussian(r);
    }
    for (int s = 0; s < sites; s++) {
      siteEffect[s] = 0.5 * gaussian(r);
    }
    List<LearningEvent> events = new ArrayList<>(n);
    List<Feedback> feedback = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (i == n / 2) { // the hidden model changes
        for (int a = 0; a < ads; a++) {
          appeal[a] = 1.5 * gaussian(r);
        }
      }
      int ad = r.nextInt(ads);
      int site = r.nextInt(sites);
      Map<String, Double> features = new TreeMap<>(Map.of("ad=" + ad, 1.0, "site=" + site, 1.0, "bias", 1.0));
      long t = start.toEpochMilli() + i * spacingMillis;
      String id = model + "-" + i;
      events.add(new LearningEvent(model, id, null, features, Instant.ofEpochMilli(t)));
      double p = 1 / (1 + Math.exp(-(appeal[ad] + siteEffect[site] - 1)));
      boolean click = r.nextDouble() < p;
      long delay = minDelayMillis + (long) (r.nextDouble() * (maxDelayMillis - minDelayMillis));
      if (r.nextDouble() >= lost) {
        feedback.add(new Feedback(model, id, click ? 1.0 : -1.0, 1.0, Instant.ofEpochMilli(t + delay)));
      }
    }
    feedback.sort(Comparator.comparing(Feedback::getEventTime));
    return new ClickStream(events, feedback);
  }

  private static double gaussian(SplittableRandom r) {
    double u = 1 - r.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
  }
}
