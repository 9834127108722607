package io.convexstream.core.join;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ChampionRuleTest {
  private static final String[] NAMES = {"ftrl", "ogd", "adagrad"};

  @Test
  void promotesTheBestChallengerOnlyBeyondTheMarginAndWithEnoughFeedback() {
    ChampionRule rule = new ChampionRule(60_000, 0.1, 100, true);
    // ogd 20 % better, adagrad 30 % better: the best one is promoted
    ChampionRule.Decision d = rule.decide(0, NAMES, new double[] {100, 80, 70}, 200);
    assertThat(d.champion()).isEqualTo(2);
    assertThat(d.promoted()).isTrue();
    assertThat(d.reason()).contains("adagrad beats", "ftrl 0.5", "adagrad 0.35");
    // 5 % better is within the margin
    assertThat(rule.decide(0, NAMES, new double[] {100, 95, 99}, 200).promoted()).isFalse();
    // too few feedbacks joined to judge
    assertThat(rule.decide(0, NAMES, new double[] {100, 10, 99}, 99)).extracting(ChampionRule.Decision::champion).isEqualTo(0);
    // the champion is best: it stays
    assertThat(rule.decide(1, NAMES, new double[] {100, 10, 99}, 200)).extracting(ChampionRule.Decision::promoted).isEqualTo(false);
    // promotion off: nothing changes, whatever the figures
    assertThat(new ChampionRule(60_000, 0.1, 100, false).decide(0, NAMES, new double[] {100, 1, 1}, 10_000).champion()).isZero();
  }

  @Test
  void windowsAreAlignedToTheEpochInEventTime() {
    ChampionRule rule = new ChampionRule(60_000, 0, 1, true);
    assertThat(rule.windowOf(59_999)).isZero();
    assertThat(rule.windowOf(60_000)).isEqualTo(60_000);
    assertThat(rule.windowOf(-1)).isEqualTo(-60_000);
    assertThatThrownBy(() -> new ChampionRule(0, 0, 1, true)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ChampionRule(1, 1, 1, true)).isInstanceOf(IllegalArgumentException.class);
  }
}
