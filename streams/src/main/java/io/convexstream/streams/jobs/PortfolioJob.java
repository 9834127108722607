package io.convexstream.streams.jobs;

import io.convexstream.connectors.flink.DeadLetters;
import io.convexstream.connectors.flink.Decoded;
import io.convexstream.connectors.flink.KafkaIO;
import io.convexstream.connectors.kafka.Topic;
import io.convexstream.connectors.marketdata.PriceReading;
import io.convexstream.flink.portfolio.PortfolioFunction;
import io.convexstream.flink.portfolio.PortfolioRouter;
import io.convexstream.flink.portfolio.PortfolioSettings;
import io.convexstream.schemas.PortfolioDecision;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Online portfolios on market data: bars or ticks → decode and check → routed to every portfolio
 * holding the asset → event-time periods → each portfolio's strategies and combiners → portfolio
 * decisions (weights for the next period, wealth).
 *
 * <p>Options: {@code market.input} (bars or ticks, default bars: which topic to read); one
 * portfolio as {@code portfolio.id}, {@code portfolio.assets} (comma list), {@code
 * portfolio.strategies} (default ucrp,olmar1,pamr), {@code portfolio.combiners} (e.g.
 * bah,accelerated), {@code portfolio.cost} (0); or several as {@code portfolios=a,b} with {@code
 * portfolio.a.assets}, {@code portfolio.a.strategies}, ... per id. {@code period.ms} (86400000,
 * also per id), {@code outOfOrderMs} (bounded out-of-orderness of event times, 0), {@code
 * idleTimeoutMs} (0: off; set it when some partitions of the topic carry no data, else their
 * silence holds every period open).
 */
public final class PortfolioJob implements StreamJob {
  public static final String NAME = "portfolio";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "online portfolios: " + Topic.MARKET_BARS.topicName() + " (or " + Topic.MARKET_TICKS.topicName() + ") -> "
        + Topic.PORTFOLIO_DECISIONS.topicName();
  }

  /** The portfolios the options define (see the class comment). */
  public static List<PortfolioSettings> portfolios(Map<String, String> o) {
    String ids = o.get("portfolios");
    if (ids == null || ids.isBlank()) {
      return List.of(portfolio(o.getOrDefault("portfolio.id", "portfolio"), "portfolio.", o));
    }
    List<PortfolioSettings> out = new ArrayList<>();
    for (String id : ids.split(",")) {
      out.add(portfolio(id.trim(), "portfolio." + id.trim() + ".", o));
    }
    return out;
  }

  private static PortfolioSettings portfolio(String id, String prefix, Map<String, String> o) {
    String assets = o.get(prefix + "assets");
    if (assets == null || assets.isBlank()) {
      throw new IllegalArgumentException("portfolio " + id + " needs --set " + prefix + "assets=A,B,...");
    }
    String combiners = o.getOrDefault(prefix + "combiners", "");
    return new PortfolioSettings(id, Arrays.asList(assets.split(",")),
        Arrays.asList(o.getOrDefault(prefix + "strategies", "ucrp,olmar1,pamr").split(",")),
        combiners.isBlank() ? List.of() : Arrays.asList(combiners.split(",")),
        Double.parseDouble(o.getOrDefault(prefix + "cost", "0")),
        Long.parseLong(o.getOrDefault(prefix + "period.ms", o.getOrDefault("period.ms", "86400000"))));
  }

  @Override
  public void build(StreamExecutionEnvironment env, JobSettings s) {
    List<PortfolioSettings> portfolios = portfolios(s.options());
    String input = s.option("market.input", "bars");
    switch (input) {
      case "bars":
        build(env, s, portfolios, PriceReading.BARS, Topic.MARKET_BARS);
        break;
      case "ticks":
        build(env, s, portfolios, PriceReading.TICKS, Topic.MARKET_TICKS);
        break;
      default:
        throw new IllegalArgumentException("market.input is bars or ticks, not '" + input + "'");
    }
  }

  private static <T extends SpecificRecord> void build(StreamExecutionEnvironment env, JobSettings s, List<PortfolioSettings> portfolios,
      PriceReading<T> reading, Topic topic) {
    // watermarks per input partition from the records' event time; idleness is opt-in: a partition
    // marked idle lets the others close periods its late records belong to
    Jobs.EventTime<T> eventTime = new Jobs.EventTime<>(reading::timeMillis, Long.parseLong(s.option("outOfOrderMs", "0")),
        Long.parseLong(s.option("idleTimeoutMs", "0")));
    SingleOutputStreamOperator<Decoded<T>> decoded = Jobs.decode(env, s, NAME, topic, reading.type(), eventTime, reading::problem);
    SingleOutputStreamOperator<Tuple2<String, Decoded<T>>> routed = decoded
        .process(new PortfolioRouter<>(NAME, portfolios, reading), Types.TUPLE(Types.STRING, Decoded.typeInfo(reading.type())))
        .name("route-to-portfolios")
        .uid("route-to-portfolios");
    SingleOutputStreamOperator<PortfolioDecision> decisions = routed
        .keyBy(r -> r.f0, Types.STRING)
        .process(new PortfolioFunction<>(NAME, portfolios, reading))
        .name("portfolio-strategies")
        .uid("portfolio-strategies");
    decisions
        .sinkTo(KafkaIO.sink(s.bootstrapServers(), Topic.PORTFOLIO_DECISIONS, PortfolioDecision.class,
            PortfolioDecision::getPortfolioId, s.delivery(), "convexstream-" + NAME + "-decisions"))
        .name("decisions-sink")
        .uid("decisions-sink");
    Jobs.sinkDeadLetters(s, NAME, decoded.getSideOutput(DeadLetters.TAG), routed.getSideOutput(DeadLetters.TAG),
        decisions.getSideOutput(DeadLetters.TAG));
  }
}
