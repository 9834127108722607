package io.convexstream.flink.portfolio;

import io.convexstream.core.portfolio.Strategies;
import java.io.Serializable;
import java.util.List;

/**
 * One portfolio: its id, universe, component strategies, combiners over them, cost rate, and the
 * period calendar (fixed-length periods of event time, aligned to the epoch).
 */
public record PortfolioSettings(String id, List<String> assets, List<String> strategies, List<String> combiners,
    double costRate, long periodMillis) implements Serializable {
  public PortfolioSettings {
    assets = List.copyOf(assets);
    strategies = List.copyOf(strategies);
    combiners = List.copyOf(combiners);
    if (assets.isEmpty() || strategies.isEmpty() || periodMillis <= 0 || costRate < 0) {
      throw new IllegalArgumentException("a portfolio needs assets, strategies, a positive period and a cost rate ≥ 0");
    }
    if (strategies.contains("best") || strategies.contains("bcrp")) {
      throw new IllegalArgumentException("best and bcrp look at the whole history: backtest only");
    }
    if (new java.util.HashSet<>(assets).size() != assets.size()) {
      throw new IllegalArgumentException("portfolio " + id + " lists an asset twice: " + assets);
    }
  }

  /**
   * These settings, once every strategy and combiner name is known to {@link Strategies} (checked
   * before a job is submitted; the operator itself survives a strategy that fails at run time).
   */
  public PortfolioSettings checked() {
    for (String s : strategies) {
      if (!Strategies.NAMES.contains(s)) {
        throw new IllegalArgumentException("portfolio " + id + ": unknown strategy '" + s + "'; known: " + Strategies.NAMES);
      }
    }
    for (String c : combiners) {
      if (!Strategies.COMBINERS.contains(c)) {
        throw new IllegalArgumentException("portfolio " + id + ": unknown combiner '" + c + "'; known: " + Strategies.COMBINERS);
      }
    }
    return this;
  }

  public long periodOf(long eventTimeMillis) {
    return Math.floorDiv(eventTimeMillis, periodMillis);
  }
}
