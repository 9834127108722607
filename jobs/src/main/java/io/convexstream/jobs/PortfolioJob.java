package io.convexstream.jobs;

import io.convexstream.connectors.flink.Decoded;
import io.convexstream.core.portfolio.Book;
import io.convexstream.core.portfolio.Strategies;
import io.convexstream.core.portfolio.Trading;
import io.convexstream.flink.DeadLetters;
import io.convexstream.flink.DecodedSerializer;
import io.convexstream.flink.portfolio.PortfolioFunction;
import io.convexstream.flink.portfolio.PortfolioRouter;
import io.convexstream.flink.portfolio.PortfolioSettings;
import io.convexstream.flink.portfolio.PriceReading;
import io.convexstream.kafka.Topic;
import io.convexstream.schemas.PortfolioDecision;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Online portfolios on market data: bars or ticks → decode and check → routed to every portfolio
 * holding the asset → event-time periods → each portfolio's strategies and combiners → portfolio
 * decisions (weights for the next period, wealth). One portfolio is set with {@code portfolio.*};
 * several with {@code portfolios=a,b} and {@code portfolio.a.assets}, {@code portfolio.a.strategies},
 * ... per id. Options: {@link #options()} ({@code convexstream options portfolio}).
 */
public final class PortfolioJob implements StreamJob {
  public static final String NAME = "portfolio";

  /** Which market-data topic the job reads. */
  public enum MarketInput { BARS, TICKS }

  public static final ConfigOption<MarketInput> MARKET_INPUT = ConfigOptions.key("market.input").enumType(MarketInput.class)
      .defaultValue(MarketInput.BARS).withDescription("Read bars (convexstream.market-bars) or ticks (convexstream.market-ticks).");
  public static final ConfigOption<String> PORTFOLIOS = ConfigOptions.key("portfolios").stringType().defaultValue("")
      .withDescription("Several portfolios: their ids (comma list), each set with portfolio.<id>.<field>; empty: one, set with portfolio.<field>.");
  public static final ConfigOption<String> ID = ConfigOptions.key("portfolio.id").stringType().defaultValue("portfolio")
      .withDescription("Id of the one portfolio (the decisions' key).");
  private static final String ASSETS = "assets";
  private static final String STRATEGIES = "strategies";
  private static final String COMBINERS = "combiners";
  private static final String COST = "cost";
  private static final String COSTS = "costs";
  private static final String REBALANCE_EVERY = "rebalance.every";
  private static final String REBALANCE_DRIFT = "rebalance.drift";
  private static final String SHORTS = "shorts";
  private static final String LEVERAGE = "leverage";
  private static final String BORROW_RATE = "borrowRate";
  private static final String PERIOD_MS = "period.ms";
  private static final List<String> FIELDS = List.of(ASSETS, STRATEGIES, COMBINERS, COST, COSTS, REBALANCE_EVERY, REBALANCE_DRIFT, SHORTS,
      LEVERAGE, BORROW_RATE, PERIOD_MS);
  private static final String PARAMS = "params.";
  private static final String DEFAULT_STRATEGIES = "ucrp,olmar1,pamr";
  public static final ConfigOption<Long> PERIOD = ConfigOptions.key(PERIOD_MS).longType().defaultValue(86_400_000L)
      .withDescription("Period length in ms of event time, for every portfolio without its own portfolio[.<id>].period.ms.");
  public static final JobOptions.TimeOption OUT_OF_ORDER = JobOptions.TimeOption.of("outOfOrder", java.time.Duration.ZERO,
      "Bounded out-of-orderness of event times: an asset has reported a period once it has a tick this long after the period's end, "
          + "and the watermark lags the input by it.");
  public static final JobOptions.TimeOption HALT = JobOptions.TimeOption.of("halt", java.time.Duration.ZERO,
      "Halt time (processing time): once some asset of a portfolio has reported a period, the assets that have not and have been "
          + "silent this long are halted: the period closes with their last price, named in the decision's carriedAssets "
          + "(0: never; periods then wait for every asset, the watermark or endOfFeed).");
  public static final JobOptions.TimeOption IDLE_TIMEOUT = JobOptions.TimeOption.of("idleTimeout", java.time.Duration.ZERO,
      "Mark an input partition idle after this long without data (0: never), so that the watermark moves on without it. Periods "
          + "close without the watermark when every asset reported or the halt time passed; this only matters for the watermark's "
          + "own closing.");
  public static final JobOptions.TimeOption END_OF_FEED = JobOptions.TimeOption.of("endOfFeed", java.time.Duration.ZERO,
      "Close every open period of a portfolio, the current one included, once its feed has been silent this long (processing time; "
          + "0: never, and a live feed's last period waits for the next reading).");

  /** Option {@code field} of the portfolio whose keys start with {@code prefix} ("portfolio." or "portfolio.<id>."). */
  private static ConfigOption<String> field(String prefix, String field) {
    return ConfigOptions.key(prefix + field).stringType().noDefaultValue();
  }

  @Override
  public List<Topic> inputs(Map<String, String> options) {
    return List.of(options().parse(options).get(MARKET_INPUT) == MarketInput.BARS ? Topic.MARKET_BARS : Topic.MARKET_TICKS);
  }

  @Override
  public List<Topic> outputs() {
    return List.of(Topic.PORTFOLIO_DECISIONS);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "online portfolios: " + Topic.MARKET_BARS.topicName() + " (or " + Topic.MARKET_TICKS.topicName() + ") -> "
        + Topic.PORTFOLIO_DECISIONS.topicName();
  }

  @Override
  public JobOptions options() {
    return new JobOptions(List.of(MARKET_INPUT, PORTFOLIOS, ID,
        field("portfolio.", ASSETS).withDescription("Assets of the portfolio (comma list); required."),
        ConfigOptions.key("portfolio." + STRATEGIES).stringType().defaultValue(DEFAULT_STRATEGIES)
            .withDescription("Strategies (comma list): " + String.join(", ", Strategies.NAMES) + " (not best, bcrp: backtest only)."),
        ConfigOptions.key("portfolio." + COMBINERS).stringType().defaultValue("")
            .withDescription("Combiners over the strategies (comma list): " + String.join(", ", Strategies.COMBINERS) + "."),
        ConfigOptions.key("portfolio." + COST).doubleType().defaultValue(0.0).withDescription("Proportional transaction cost rate c, "
            + "a round trip as in the OLPS toolbox: every unit of wealth bought or sold pays c/2."),
        ConfigOptions.key("portfolio." + COSTS).stringType().noDefaultValue().withDescription("One-way cost rates per asset, "
            + "ASSET:RATE,... (e.g. AAPL:0.0005,XYZ:0.003); assets not listed pay cost/2."),
        ConfigOptions.key("portfolio." + REBALANCE_EVERY).intType().defaultValue(1).withDescription("Trade to the strategy's weights "
            + "every this many periods (the first period always trades); in between the weights drift with the prices, at no cost."),
        ConfigOptions.key("portfolio." + REBALANCE_DRIFT).doubleType().defaultValue(0.0).withDescription("In a trading period, trade "
            + "only if the drifted weights are more than this far (L1) from the strategy's (0: always)."),
        ConfigOptions.key("portfolio." + SHORTS).booleanType().defaultValue(false).withDescription("Add a short asset -A per asset A "
            + "(a short sale against its own collateral, relative 2 - x); decisions then weigh 2m assets."),
        ConfigOptions.key("portfolio." + LEVERAGE).doubleType().defaultValue(1.0).withDescription("Gross exposure L >= 1 of the book, "
            + "L - 1 of it borrowed at borrowRate: each relative becomes L*x - (L-1)*(1+borrowRate)."),
        ConfigOptions.key("portfolio." + BORROW_RATE).doubleType().defaultValue(0.0).withDescription("Interest per period on what a "
            + "leveraged book borrows."),
        field("portfolio.", PERIOD_MS).withDescription("This portfolio's period length (ms), instead of period.ms."),
        PERIOD, OUT_OF_ORDER.duration(), OUT_OF_ORDER.millis(), HALT.duration(), HALT.millis(), IDLE_TIMEOUT.duration(),
        IDLE_TIMEOUT.millis(), END_OF_FEED.duration(), END_OF_FEED.millis()),
        List.of(new JobOptions.OpenPrefix("portfolio.",
            "portfolio.<id>.<field>: field " + FIELDS + " of portfolio <id> (listed in portfolios); "
                + "portfolio[.<id>].params.<strategy>.<parameter>: a strategy's parameter instead of its default "
                + "(e.g. portfolio.params.olmar1.window=10; the parameters and defaults: " + Strategies.PARAMETERS + ").",
            (rest, value) -> {
              if (idOf(rest) == null) {
                throw new IllegalArgumentException("expected portfolio.<id>.<field> with a field of " + FIELDS
                    + ", or portfolio[.<id>].params.<strategy>.<parameter>");
              }
            })));
  }

  /** Whether {@code key} is "params.<strategy>.<parameter>". */
  private static boolean isParameter(String key) {
    String rest = key.substring(PARAMS.length());
    int dot = rest.lastIndexOf('.');
    return dot > 0 && dot < rest.length() - 1;
  }

  /**
   * The portfolio id in "<id>.<field>" or "<id>.params.<strategy>.<parameter>", "" for
   * "params.<strategy>.<parameter>" (the one portfolio), or null when the key has neither shape.
   */
  private static String idOf(String idAndField) {
    if (idAndField.startsWith(PARAMS)) {
      return isParameter(idAndField) ? "" : null;
    }
    int params = idAndField.indexOf("." + PARAMS);
    if (params > 0) {
      return isParameter(idAndField.substring(params + 1)) ? idAndField.substring(0, params) : null;
    }
    for (String f : FIELDS) {
      if (idAndField.endsWith("." + f) && idAndField.length() > f.length() + 1) {
        return idAndField.substring(0, idAndField.length() - f.length() - 1);
      }
    }
    return null;
  }

  /** The portfolios the options define (checked: unknown keys and ids, types, strategy and combiner names). */
  public List<PortfolioSettings> portfolios(Map<String, String> given) {
    JobOptions options = options();
    Configuration o = options.parse(given);
    List<String> ids = list(o.get(PORTFOLIOS));
    for (String k : given.keySet()) {
      if (k.startsWith("portfolio.") && options.all().stream().noneMatch(opt -> opt.key().equals(k))) {
        String id = idOf(k.substring("portfolio.".length()));
        if (id.isEmpty() && !ids.isEmpty()) {
          throw new IllegalArgumentException("option '" + k + "': with portfolios=" + String.join(",", ids)
              + " parameters are set per portfolio, portfolio.<id>.params.<strategy>.<parameter>");
        }
        if (!id.isEmpty() && !ids.contains(id)) {
          throw new IllegalArgumentException("option '" + k + "': portfolio '" + id + "' is not in portfolios=" + String.join(",", ids));
        }
      }
    }
    if (ids.isEmpty()) {
      return List.of(portfolio(o.get(ID), "portfolio.", o, given));
    }
    List<PortfolioSettings> out = new ArrayList<>();
    for (String id : ids) {
      out.add(portfolio(id, "portfolio." + id + ".", o, given));
    }
    return out;
  }

  /** The strategies' parameters set with {@code prefix}params.<strategy>.<parameter>, by strategy. */
  private static Map<String, Map<String, Double>> parameters(String prefix, Map<String, String> given) {
    Map<String, Map<String, Double>> out = new java.util.TreeMap<>();
    given.forEach((k, v) -> {
      if (k.startsWith(prefix + PARAMS)) {
        String rest = k.substring((prefix + PARAMS).length());
        int dot = rest.lastIndexOf('.');
        try {
          out.computeIfAbsent(rest.substring(0, dot), s -> new java.util.TreeMap<>()).put(rest.substring(dot + 1), Double.parseDouble(v));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("option '" + k + "' cannot be '" + v + "': expected a number", e);
        }
      }
    });
    return out;
  }

  private static PortfolioSettings portfolio(String id, String prefix, Configuration o, Map<String, String> given) {
    String assets = o.get(field(prefix, ASSETS));
    if (assets == null || assets.isBlank()) {
      throw new IllegalArgumentException("portfolio " + id + " needs --set " + prefix + "assets=A,B,...");
    }
    String strategies = o.getOptional(field(prefix, STRATEGIES)).orElse(DEFAULT_STRATEGIES);
    String combiners = o.getOptional(field(prefix, COMBINERS)).orElse("");
    double cost;
    long period;
    int every;
    double drift;
    try {
      cost = Double.parseDouble(o.getOptional(field(prefix, COST)).orElse("0"));
      period = o.getOptional(field(prefix, PERIOD_MS)).map(Long::parseLong).orElse(o.get(PERIOD));
      every = Integer.parseInt(o.getOptional(field(prefix, REBALANCE_EVERY)).orElse("1"));
      drift = Double.parseDouble(o.getOptional(field(prefix, REBALANCE_DRIFT)).orElse("0"));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("portfolio " + id + ": " + prefix + COST + ", " + prefix + PERIOD_MS + ", " + prefix + REBALANCE_EVERY
          + " and " + prefix + REBALANCE_DRIFT + " are numbers", e);
    }
    List<String> universe = list(assets);
    Trading trading;
    Book book;
    try {
      book = new Book(Boolean.parseBoolean(o.getOptional(field(prefix, SHORTS)).orElse("false")),
          Double.parseDouble(o.getOptional(field(prefix, LEVERAGE)).orElse("1")),
          Double.parseDouble(o.getOptional(field(prefix, BORROW_RATE)).orElse("0")));
      trading = book.scaled(new Trading(cost, Trading.oneWayCosts(o.getOptional(field(prefix, COSTS)).orElse(""), universe, cost), every,
          drift));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("portfolio " + id + ": " + e.getMessage(), e);
    }
    return new PortfolioSettings(id, universe, list(strategies), list(combiners), trading, period, parameters(prefix, given), book).checked();
  }


  private static List<String> list(String commaList) {
    return commaList.isBlank() ? List.of() : Arrays.stream(commaList.split(",")).map(String::trim).toList();
  }

  @Override
  public void build(StreamExecutionEnvironment env, JobSettings s) {
    List<PortfolioSettings> portfolios = portfolios(s.options());
    Configuration o = options().parse(s.options());
    if (o.get(MARKET_INPUT) == MarketInput.BARS) {
      build(env, s, o, portfolios, PriceReading.BARS, Topic.MARKET_BARS);
    } else {
      build(env, s, o, portfolios, PriceReading.TICKS, Topic.MARKET_TICKS);
    }
  }

  private static <T extends SpecificRecord> void build(StreamExecutionEnvironment env, JobSettings s, Configuration o, List<PortfolioSettings> portfolios,
      PriceReading<T> reading, Topic topic) {
    // watermarks per input partition from the records' event time; idleness is opt-in: a partition
    // marked idle lets the others close periods its late records belong to
    Jobs.EventTime<T> eventTime = new Jobs.EventTime<>(reading::timeMillis, OUT_OF_ORDER.millisIn(o), IDLE_TIMEOUT.millisIn(o));
    SingleOutputStreamOperator<Decoded<T>> decoded = Jobs.decode(env, s, NAME, topic, reading.type(), eventTime, reading::problem);
    SingleOutputStreamOperator<Tuple2<String, Decoded<T>>> routed = decoded
        .process(new PortfolioRouter<>(NAME, portfolios, reading), Types.TUPLE(Types.STRING, DecodedSerializer.streamOf(reading.type())))
        .name("route-to-portfolios")
        .uid("route-to-portfolios")
        // chained to decoding, so each asset's readings reach its portfolio in order (a period closes on
        // its assets' readings; a rebalance after a recording's single reader would reorder them)
        .setParallelism(decoded.getParallelism());
    SingleOutputStreamOperator<PortfolioDecision> decisions = routed
        .keyBy(r -> r.f0, Types.STRING)
        .process(new PortfolioFunction<>(NAME, portfolios, reading, END_OF_FEED.millisIn(o), OUT_OF_ORDER.millisIn(o), HALT.millisIn(o)))
        .name("portfolio-strategies")
        .uid("portfolio-strategies");
    var unpublished = Jobs.publish(decisions, s, NAME, Topic.PORTFOLIO_DECISIONS, PortfolioDecision.class,
        PortfolioDecision::getPortfolioId, "decisions", "decisions-sink");
    Jobs.sinkDeadLetters(s, NAME, decoded.getSideOutput(DeadLetters.TAG), routed.getSideOutput(DeadLetters.TAG),
        decisions.getSideOutput(DeadLetters.TAG), unpublished);
  }
}
