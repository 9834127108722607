package io.convexstream.streams.jobs;

import io.convexstream.connectors.flink.DeadLetters;
import io.convexstream.connectors.flink.Decoded;
import io.convexstream.connectors.flink.KafkaIO;
import io.convexstream.connectors.flink.RawRecord;
import io.convexstream.connectors.kafka.Topic;
import io.convexstream.flink.portfolio.PortfolioFunction;
import io.convexstream.flink.portfolio.PortfolioSettings;
import io.convexstream.schemas.MarketBar;
import io.convexstream.schemas.PortfolioDecision;
import io.convexstream.schemas.validate.RecordChecks;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Online portfolios on market data: bars → decode and check → event-time periods → the portfolio's
 * strategies and combiners → portfolio decisions (weights for the next period, wealth).
 *
 * <p>Options: {@code portfolio.id}, {@code portfolio.assets} (comma list), {@code
 * portfolio.strategies} (default ucrp,olmar1,pamr), {@code portfolio.combiners} (e.g.
 * bah,accelerated), {@code portfolio.cost} (0), {@code period.ms} (86400000), {@code outOfOrderMs}
 * (bounded out-of-orderness of bar event times, 0), {@code idleTimeoutMs} (0: off; set it when
 * some partitions of the bar topic carry no bars, else their silence holds every period open).
 */
public final class PortfolioJob implements StreamJob {
  public static final String NAME = "portfolio";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "online portfolios: " + Topic.MARKET_BARS.topicName() + " -> " + Topic.PORTFOLIO_DECISIONS.topicName();
  }

  public static PortfolioSettings settings(Map<String, String> o) {
    String assets = o.get("portfolio.assets");
    if (assets == null || assets.isBlank()) {
      throw new IllegalArgumentException("the portfolio job needs --set portfolio.assets=A,B,...");
    }
    String combiners = o.getOrDefault("portfolio.combiners", "");
    return new PortfolioSettings(o.getOrDefault("portfolio.id", "portfolio"), Arrays.asList(assets.split(",")),
        Arrays.asList(o.getOrDefault("portfolio.strategies", "ucrp,olmar1,pamr").split(",")),
        combiners.isBlank() ? List.of() : Arrays.asList(combiners.split(",")),
        Double.parseDouble(o.getOrDefault("portfolio.cost", "0")),
        Long.parseLong(o.getOrDefault("period.ms", "86400000")));
  }

  @Override
  public void build(StreamExecutionEnvironment env, JobSettings s) {
    PortfolioSettings portfolio = settings(s.options());
    long outOfOrder = Long.parseLong(s.option("outOfOrderMs", "0"));
    // watermarks per Kafka partition, from the bars' event time (the source reads it from each value);
    // idleness is opt-in: a partition marked idle lets the others close periods its late bars belong to
    WatermarkStrategy<RawRecord> eventTime = WatermarkStrategy.<RawRecord>forBoundedOutOfOrderness(Duration.ofMillis(outOfOrder))
        .withTimestampAssigner((r, kafkaTime) -> r.timestamp);
    long idleMs = Long.parseLong(s.option("idleTimeoutMs", "0"));
    if (idleMs > 0) {
      eventTime = eventTime.withIdleness(Duration.ofMillis(idleMs));
    }
    SingleOutputStreamOperator<Decoded<MarketBar>> decoded = Jobs.decode(env, NAME,
        KafkaIO.rawSource(s.bootstrapServers(), s.groupId(), s.bounded(), MarketBar.class, b -> b.getEventTime().toEpochMilli(),
            Topic.MARKET_BARS), eventTime, MarketBar.class, RecordChecks::barProblem);
    SingleOutputStreamOperator<PortfolioDecision> decisions = decoded
        .keyBy(d -> portfolio.id())
        .process(new PortfolioFunction(NAME, portfolio))
        .name("portfolio-strategies")
        .uid("portfolio-strategies");
    decisions
        .sinkTo(KafkaIO.sink(s.bootstrapServers(), Topic.PORTFOLIO_DECISIONS, PortfolioDecision.class,
            PortfolioDecision::getPortfolioId, s.delivery(), "convexstream-" + NAME + "-decisions"))
        .name("decisions-sink")
        .uid("decisions-sink");
    Jobs.sinkDeadLetters(s, NAME, decoded.getSideOutput(DeadLetters.TAG), decisions.getSideOutput(DeadLetters.TAG));
  }
}
