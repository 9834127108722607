package io.convexstream.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.kafka.Topic;
import io.convexstream.kafka.TopicClient;
import io.convexstream.schemas.MarketBar;
import io.convexstream.schemas.MarketTick;
import io.convexstream.schemas.PortfolioDecision;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Live feeds into the portfolio job: when periods close and how late their decisions come. A broker
 * of its own: these feeds' event times (2026) on the shared market topics would hold other tests'
 * watermarks back or push them ahead.
 */
class PortfolioLiveIT {
  @RegisterExtension
  static final LocalStack STACK = new LocalStack(4);

  /**
   * A live feed of daily bars (start and end stamped) for three assets: a period closes on its own
   * assets' bars, whichever partitions carry them — one partition each with the fourth empty, or
   * all on one — with no idleTimeoutMs and without waiting for the next day's bars. Then an asset
   * halts: its periods close once it has been silent for haltMs (1.5 s), with it named as carried.
   * Prints the decision lag of each case.
   */
  @Test
  void aPortfolioDecidesOnItsOwnAssetsWhateverThePartitioning() throws Exception {
    List<List<PortfolioDecision>> byCase = new ArrayList<>();
    for (boolean apart : new boolean[] {true, false}) {
      String id = apart ? "live-apart" : "live-together";
      List<String> universe = List.of(id + "-X", id + "-Y", id + "-Z");
      StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
      Jobs.prepare(env, new PortfolioJob(), new JobSettings(STACK.bootstrap(), "it-" + id, false, DeliveryGuarantee.EXACTLY_ONCE,
          Duration.ofMillis(300), 2, Map.of("portfolio.id", id, "portfolio.assets", String.join(",", universe),
              "portfolio.strategies", "ucrp,olmar1", "haltMs", "1500")));
      var job = STACK.flink().submit(env, "it-" + id);
      STACK.flink().awaitRunning(job, 60_000);
      Instant day0 = Instant.parse("2026-01-05T00:00:00Z");
      List<PortfolioDecision> seen = new ArrayList<>();
      List<Long> lags = new ArrayList<>();
      try (TopicClient kafka = new TopicClient(STACK.bootstrap());
          var decisions = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(Map.of(
              "bootstrap.servers", STACK.bootstrap(), "isolation.level", "read_committed", "auto.offset.reset", "earliest",
              "group.id", "it-reader-" + id, "enable.auto.commit", "false"),
              new org.apache.kafka.common.serialization.ByteArrayDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
        decisions.subscribe(List.of(Topic.PORTFOLIO_DECISIONS.topicName()));
        var codec = io.convexstream.schemas.codec.AvroCodec.of(PortfolioDecision.class);
        for (int day = 0; day < 13; day++) {
          for (int a = 0; a < 3; a++) {
            if (a == 2 && day >= 10) {
              continue; // Z halts from day 10 on
            }
            double price = 100 * (1 + 0.01 * a) * Math.pow(1 + 0.003 * (a - 1), day) * (day % 2 == 0 ? 1.01 : 0.99);
            Instant start = day0.plus(Duration.ofDays(day));
            MarketBar bar = new MarketBar(universe.get(a), start, start.plus(Duration.ofDays(1)), price, price, price, price, 1.0);
            int partition = apart ? a : 0;
            kafka.send(new org.apache.kafka.clients.producer.ProducerRecord<>(Topic.MARKET_BARS.topicName(), partition,
                start.toEpochMilli(), universe.get(a).getBytes(), io.convexstream.schemas.codec.AvroCodec.of(MarketBar.class).encode(bar)));
          }
          kafka.flush();
          long sent = System.nanoTime();
          // day d's decision: at once while every asset reports, after the halt time once Z is silent
          int expectedPeriods = day + 1;
          long deadline = System.currentTimeMillis() + 30_000;
          while (seen.stream().filter(d -> d.getStrategy().equals("ucrp")).count() < expectedPeriods && System.currentTimeMillis() < deadline) {
            for (var r : decisions.poll(Duration.ofMillis(50))) {
              PortfolioDecision d = codec.decode(r.value());
              if (d.getPortfolioId().equals(id)) {
                seen.add(d);
              }
            }
          }
          assertThat(seen.stream().filter(d -> d.getStrategy().equals("ucrp")).count()).as("%s: decisions after day %d", id, day)
              .isEqualTo(expectedPeriods);
          lags.add((System.nanoTime() - sent) / 1_000_000);
        }
      }
      STACK.flink().cancel(job);
      List<PortfolioDecision> ucrp = seen.stream().filter(d -> d.getStrategy().equals("ucrp")).toList();
      assertThat(ucrp).extracting(PortfolioDecision::getPeriod).containsExactlyElementsOf(IntStream.range(0, 13).mapToObj(i -> (long) i).toList());
      for (PortfolioDecision d : ucrp) {
        assertThat(List.copyOf(d.getCarriedAssets())).as("%s period %d", id, d.getPeriod())
            .isEqualTo(d.getPeriod() >= 10 ? List.of(id + "-Z") : List.of());
      }
      System.out.printf("%s: lag from a day's last bar to its decision (read_committed, 300 ms checkpoints), ms: %s%n", id, lags);
      byCase.add(seen);
    }
    // the same decisions (weights, wealth) whichever partitions the assets were on
    assertThat(byCase.get(0)).extracting(d -> d.getStrategy() + d.getPeriod() + d.getWeights() + d.getWealth())
        .containsExactlyInAnyOrderElementsOf(byCase.get(1).stream().map(d -> d.getStrategy() + d.getPeriod() + d.getWeights() + d.getWealth()).toList());
  }

  /**
   * A tick feed that stops: no tick ever reports the last period, so only endOfFeedMs closes it —
   * 2 s of silence after the last tick, then a checkpoint, and the last decision is there.
   */
  @Test
  void theLastPeriodOfAFeedThatStopsClosesAfterTheEndOfFeedTimeout() throws Exception {
    String id = "feed-stops";
    List<String> universe = List.of(id + "-X", id + "-Y");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    Jobs.prepare(env, new PortfolioJob(), new JobSettings(STACK.bootstrap(), "it-" + id, false, DeliveryGuarantee.EXACTLY_ONCE,
        Duration.ofMillis(300), 2, Map.of("market.input", "ticks", "portfolio.id", id, "portfolio.assets", String.join(",", universe),
            "portfolio.strategies", "ucrp", "period.ms", "1000", "endOfFeedMs", "2000")));
    var job = STACK.flink().submit(env, "it-" + id);
    STACK.flink().awaitRunning(job, 60_000);
    long t0 = Instant.parse("2026-01-05T00:00:00Z").toEpochMilli();
    try (TopicClient kafka = new TopicClient(STACK.bootstrap())) {
      for (int k = 0; k < 40; k++) { // 4 ticks per asset per 1-s period, periods 0..4
        String asset = universe.get(k % 2);
        kafka.send(Topic.MARKET_TICKS, asset, new MarketTick(asset, Instant.ofEpochMilli(t0 + 125L * k), 100.0 + k, 1.0));
      }
      kafka.flush();
      long sent = System.nanoTime();
      // periods 0..3 close on the ticks after them; period 4 only at the end of the feed
      List<PortfolioDecision> out = kafka.read(Topic.PORTFOLIO_DECISIONS, PortfolioDecision.class, d -> d.getPortfolioId().equals(id), 5,
          Duration.ofSeconds(30));
      System.out.printf("%s: all 5 decisions read %d ms after the last tick%n", id, (System.nanoTime() - sent) / 1_000_000);
      assertThat(out).extracting(PortfolioDecision::getPeriod).containsExactly(0L, 1L, 2L, 3L, 4L);
      assertThat(out.get(4).getEventTime()).isEqualTo(Instant.ofEpochMilli(t0 + 5_000));
    }
    STACK.flink().cancel(job);
  }
}
