package io.convexstream.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.convexstream.cli.report.Plots;
import io.convexstream.core.portfolio.Backtest;
import io.convexstream.core.portfolio.Book;
import io.convexstream.core.portfolio.Performance;
import io.convexstream.core.portfolio.PortfolioStrategy;
import io.convexstream.core.portfolio.PriceRelativesCsv;
import io.convexstream.core.portfolio.Strategies;
import io.convexstream.core.portfolio.Trading;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "backtest",
    mixinStandardHelpOptions = true,
    description = {
        "Backtest portfolio strategies and combiners on a CSV of prices or a recorded market-data stream.",
        "",
        "The CSV has a header of asset names, then one row per period of prices relative to the",
        "price before the first row (the OLPS benchmark format). Prints final wealth, annualised",
        "return, Sharpe and Sortino ratios, maximum drawdown and its duration in periods, Calmar ratio,",
        "information ratio against UCRP at the same cost, mean turnover and the costs paid (in units",
        "of the initial wealth); --report writes wealth, drawdown and turnover curves as PNGs.",
        "",
        "--format csv prints every strategy's wealth per period (strategy,period,wealth, full",
        "precision; period 0 is the first complete period, wealth 1, numbered as the portfolio",
        "job's decisions); --format json the summary and the wealth curves.",
        ""})
final class BacktestCommand implements Callable<Integer> {
  @Option(names = "--data", description = "Price CSV (OLPS format).")
  Path data;

  @Option(names = "--recording", description = "Or a recorded market-data stream (`convexstream record` of the bars or ticks topic), cut into periods as the portfolio job does.")
  Path recording;

  @Option(names = "--period", defaultValue = "P1D", description = "Period length for --recording, ISO-8601 (default: ${DEFAULT-VALUE}).")
  java.time.Duration period;

  @Option(names = "--strategies", split = ",", defaultValue = "ubah,ucrp,eg,olmar1,olmar2,pamr",
      description = "Component strategies: ubah, best, ucrp, bcrp, eg, ons, olmar1, olmar2, pamr, pamr_1, pamr_2, cwmr_var, cwmr_stdev, rmr, anticor, anticor_anticor, corn, up (default: ${DEFAULT-VALUE}).")
  List<String> strategies;

  @Option(names = "--combiners", split = ",", defaultValue = "",
      description = "Combiners over the non-hindsight strategies: bah, universal, accelerated, eg.")
  List<String> combiners = List.of();

  @Option(names = "--cost", defaultValue = "0", description = "Proportional transaction cost rate c, a round trip as in the OLPS "
      + "toolbox: every unit of wealth bought or sold pays c/2 (default: ${DEFAULT-VALUE}).")
  double cost;

  @Option(names = "--costs", description = "One-way cost rates per asset, ASSET:RATE,...; assets not listed pay c/2.")
  String costs;

  @Option(names = "--rebalance-every", defaultValue = "1", description = "Trade to the strategy's weights every this many periods; "
      + "in between the weights drift with the prices, at no cost (default: ${DEFAULT-VALUE}).")
  int rebalanceEvery;

  @Option(names = "--shorts", description = "Add a short asset -A per asset A (a short sale against its own collateral, relative 2 - x).")
  boolean shorts;

  @Option(names = "--leverage", defaultValue = "1", description = "Gross exposure L >= 1, L - 1 of it borrowed at --borrow-rate per period "
      + "(default: ${DEFAULT-VALUE}).")
  double leverage;

  @Option(names = "--borrow-rate", defaultValue = "0", description = "Interest per period on what a leveraged book borrows (default: ${DEFAULT-VALUE}).")
  double borrowRate;

  @Option(names = "--rebalance-drift", defaultValue = "0", description = "In a trading period, trade only if the drifted weights are "
      + "more than this far (L1) from the strategy's (default: ${DEFAULT-VALUE}: always).")
  double rebalanceDrift;

  @Option(names = "--periods-per-year", defaultValue = "252", description = "For annualised figures (default: ${DEFAULT-VALUE}).")
  double periodsPerYear;

  enum Format { table, csv, json }

  @Option(names = "--format", defaultValue = "table", description = "table, csv or json (default: ${DEFAULT-VALUE}).")
  Format format;

  @Option(names = "--report", description = "Directory for wealth.png (log-scale wealth curves), drawdown.png, turnover.png (cumulative) and summary.md (the table, linking the plots).")
  Path report;

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    java.io.PrintWriter out = spec.commandLine().getOut();
    if ((data == null) == (recording == null)) {
      throw new IllegalArgumentException("give either --data CSV or --recording DIR");
    }
    PriceRelativesCsv.Data d;
    if (data != null) {
      d = PriceRelativesCsv.read(data);
    } else {
      var r = io.convexstream.cli.RecordedMarket.read(recording, period.toMillis());
      d = r.data();
      // on stderr for csv and json, whose output is data only
      (format == Format.table ? out : spec.commandLine().getErr()).printf("%s: %d invalid recorded messages skipped%n", recording, r.skipped());
    }
    Book book = new Book(shorts, leverage, borrowRate);
    double[][] x = new double[d.relatives().length][];
    for (int t = 0; t < x.length; t++) {
      x[t] = book.relatives(d.relatives()[t]);
    }
    int m = x[0].length;
    Trading trading = book.scaled(new Trading(cost, Trading.oneWayCosts(costs, d.assets(), cost), rebalanceEvery, rebalanceDrift));
    List<PortfolioStrategy> runs = new ArrayList<>();
    for (String s : strategies) {
      runs.add(Strategies.create(s, m, x));
    }
    List<String> online = strategies.stream().filter(s -> !s.equals("best") && !s.equals("bcrp")).toList();
    for (String c : combiners) {
      if (!c.isBlank()) {
        runs.add(Strategies.combiner(c, online, m, x, Map.of(), trading));
      }
    }
    String source = (data != null ? data : recording).getFileName().toString();
    double[] ucrp = Backtest.run(Strategies.create("ucrp", m, x), x, trading).returns(); // the information ratio's benchmark
    if (format == Format.table) {
      out.printf("%s: %d periods x %d assets, cost rate %s%s%s%n", source, x.length, m, cost, costs == null ? "" : ", one-way " + costs,
          (rebalanceEvery == 1 && rebalanceDrift == 0 ? "" : ", rebalancing every " + rebalanceEvery + " periods beyond a drift of "
              + rebalanceDrift) + (book.longOnly() ? "" : ", book " + (shorts ? "with shorts, " : "") + "leverage " + leverage + " at "
              + borrowRate + " per period"));
      out.printf("%-22s %16s %11s %7s %8s %7s %7s %7s %8s %9s %9s%n", "strategy", "final wealth", "annual ret", "Sharpe", "Sortino",
          "MaxDD", "DD per", "Calmar", "IR/UCRP", "turnover", "costs");
    } else if (format == Format.csv) {
      out.println("strategy,period,wealth");
    }
    ObjectNode json = Json.object().put("source", source).put("periods", x.length).put("assets", m).put("cost", Json.number(cost))
        .put("costs", costs).put("rebalanceEvery", rebalanceEvery).put("rebalanceDrift", Json.number(rebalanceDrift))
        .put("shorts", shorts).put("leverage", Json.number(leverage)).put("borrowRate", Json.number(borrowRate));
    ArrayNode strategies = json.putArray("strategies");
    StringBuilder md = new StringBuilder("# Backtest of ").append(source).append("\n\n")
        .append(String.format("%d periods x %d assets, proportional cost %s.%n%n", x.length, m, cost))
        .append("| strategy | final wealth | annualised return | Sharpe | Sortino | max drawdown | its periods | Calmar | IR vs UCRP "
            + "| mean turnover | costs paid |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
    Map<String, double[][]> curves = new LinkedHashMap<>();
    Map<String, double[][]> drawdowns = new LinkedHashMap<>();
    Map<String, double[][]> turnovers = new LinkedHashMap<>();
    for (PortfolioStrategy s : runs) {
      Backtest.Result r = Backtest.run(s, x, trading);
      Performance p = Performance.of(r, periodsPerYear, ucrp);
      switch (format) {
        case table -> out.printf("%-22s %16.10g %10.2f%% %7.2f %8.2f %6.1f%% %7d %7.2f %8.2f %9.3f %9.4f%n", s.name(), p.finalWealth(),
            100 * p.annualisedReturn(), p.sharpe(), p.sortino(), 100 * p.maxDrawdown(), p.maxDrawdownPeriods(), p.calmar(),
            p.informationRatio(), p.meanTurnover(), p.costsPaid());
        case csv -> {
          out.println(s.name() + ",0,1.0");
          for (int i = 0; i < r.wealth().length; i++) {
            out.println(s.name() + "," + (i + 1) + "," + r.wealth()[i]);
          }
        }
        case json -> {
          ObjectNode o = strategies.addObject().put("strategy", s.name()).put("finalWealth", Json.number(p.finalWealth()))
              .put("annualisedReturn", Json.number(p.annualisedReturn())).put("sharpe", Json.number(p.sharpe()))
              .put("sortino", Json.number(p.sortino())).put("maxDrawdown", Json.number(p.maxDrawdown()))
              .put("maxDrawdownPeriods", p.maxDrawdownPeriods()).put("calmar", Json.number(p.calmar()))
              .put("informationRatio", Json.number(p.informationRatio())).put("meanTurnover", Json.number(p.meanTurnover()))
              .put("costsPaid", Json.number(p.costsPaid()));
          ArrayNode wealth = o.putArray("wealth").add(1.0);
          wealth.addAll(Json.numbers(r.wealth()));
        }
      }
      md.append(String.format("| %s | %.4f | %.2f%% | %.2f | %.2f | %.1f%% | %d | %.2f | %.2f | %.3f | %.4f |%n", s.name(), p.finalWealth(),
          100 * p.annualisedReturn(), p.sharpe(), p.sortino(), 100 * p.maxDrawdown(), p.maxDrawdownPeriods(), p.calmar(),
          p.informationRatio(), p.meanTurnover(), p.costsPaid()));
      double[] t = new double[r.wealth().length];
      for (int i = 0; i < t.length; i++) {
        t[i] = i + 1;
      }
      curves.put(s.name(), new double[][] {t, r.wealth()});
      double[] dd = new double[t.length];
      double[] cumulative = new double[t.length];
      double peak = 1;
      for (int i = 0; i < t.length; i++) {
        peak = Math.max(peak, r.wealth()[i]);
        dd[i] = 100 * (1 - r.wealth()[i] / peak);
        cumulative[i] = (i == 0 ? 0 : cumulative[i - 1]) + r.turnover()[i];
      }
      drawdowns.put(s.name(), new double[][] {t, dd});
      turnovers.put(s.name(), new double[][] {t, cumulative});
    }
    if (format == Format.json) {
      out.println(Json.write(json));
    }
    if (report != null) {
      Path plot = Plots.lines(report.resolve("wealth.png"), "Wealth of " + source + " (cost " + cost + ")", "period", "wealth (log scale)",
          true, curves);
      Plots.lines(report.resolve("drawdown.png"), "Drawdown of " + source + " (cost " + cost + ")", "period",
          "drawdown from the peak so far (%)", false, drawdowns);
      Plots.lines(report.resolve("turnover.png"), "Cumulative turnover of " + source + " (cost " + cost + ")", "period",
          "sum of ||b_t - drifted b_(t-1)||_1", false, turnovers);
      md.append("\n![wealth curves](wealth.png)\n\n![drawdowns](drawdown.png)\n\n![cumulative turnover](turnover.png)\n");
      java.nio.file.Files.writeString(report.resolve("summary.md"), md.toString());
      if (format == Format.table) {
        out.println("report: " + report.resolve("summary.md").toAbsolutePath() + ", plot: " + plot.toAbsolutePath());
      }
    }
    out.flush();
    return 0;
  }
}
