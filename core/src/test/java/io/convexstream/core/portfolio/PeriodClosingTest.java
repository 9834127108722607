package io.convexstream.core.portfolio;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PeriodClosingTest {
  @Test
  void aPeriodClosesOnceEveryAssetReportedThroughItsEnd() {
    long[] through = {2_000, 1_500, 3_000};
    assertThat(PeriodClosing.reportedThroughByAll(through)).isEqualTo(1_500);
    assertThat(PeriodClosing.reportedByAll(through, 1_000)).isTrue();
    assertThat(PeriodClosing.reportedByAll(through, 1_500)).isTrue();
    assertThat(PeriodClosing.reportedByAll(through, 1_501)).isFalse();
  }

  @Test
  void aHaltClosesAPeriodSomeAssetReportedOnceTheOthersAreSilentForTheHaltTime() {
    long end = 1_000;
    // nobody reported the period: it is still going on, whatever the silence
    assertThat(PeriodClosing.haltedAt(new long[] {900, 800}, new long[] {0, 0}, end, 50)).isEqualTo(Long.MAX_VALUE);
    // asset 0 reported; asset 1 (heard at 10 000 ms) is halted 1 500 ms later, asset 2 (heard at 12 000) 1 500 after that
    assertThat(PeriodClosing.haltedAt(new long[] {1_000, 999, 0}, new long[] {5_000, 10_000, 12_000}, end, 1_500)).isEqualTo(13_500);
    // everybody reported: nothing to wait for
    assertThat(PeriodClosing.haltedAt(new long[] {1_000, 2_000}, new long[] {0, 0}, end, 1_500)).isEqualTo(Long.MIN_VALUE);
  }

  @Test
  void theFeedEndsAfterItsSilence() {
    assertThat(PeriodClosing.feedEndedAt(10_000, 3_000)).isEqualTo(13_000);
  }
}
