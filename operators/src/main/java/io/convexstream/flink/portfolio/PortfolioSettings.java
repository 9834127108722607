package io.convexstream.flink.portfolio;

import io.convexstream.core.portfolio.Book;
import io.convexstream.core.portfolio.Strategies;
import io.convexstream.core.portfolio.Trading;
import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * One portfolio: its id, universe, component strategies, combiners over them, how it trades (costs
 * and rebalancing rules, {@link Trading}; one-way costs in the order of its book's assets), what its
 * book may hold ({@link Book}: shorts, leverage), the period calendar (fixed-length periods of event time, aligned to the epoch), and parameter
 * overrides per strategy name (the rest keep {@link Strategies#PARAMETERS}' defaults; a combiner's
 * copies of a strategy take the same).
 */
public record PortfolioSettings(String id, List<String> assets, List<String> strategies, List<String> combiners,
    Trading trading, long periodMillis, Map<String, Map<String, Double>> parameters, Book book) implements Serializable {
  public PortfolioSettings {
    assets = List.copyOf(assets);
    strategies = List.copyOf(strategies);
    combiners = List.copyOf(combiners);
    Map<String, Map<String, Double>> copy = new java.util.TreeMap<>();
    parameters.forEach((strategy, p) -> copy.put(strategy, Map.copyOf(p)));
    parameters = java.util.Collections.unmodifiableMap(copy);
    if (assets.isEmpty() || strategies.isEmpty() || periodMillis <= 0) {
      throw new IllegalArgumentException("a portfolio needs assets, strategies and a positive period");
    }
    if (trading.oneWay() != null && trading.oneWay().length != book.assets(assets).size()) {
      throw new IllegalArgumentException("portfolio " + id + ": " + trading.oneWay().length + " one-way costs for "
          + book.assets(assets).size() + " assets of the book");
    }
    if (strategies.contains("best") || strategies.contains("bcrp")) {
      throw new IllegalArgumentException("best and bcrp look at the whole history: backtest only");
    }
    if (new java.util.HashSet<>(assets).size() != assets.size()) {
      throw new IllegalArgumentException("portfolio " + id + " lists an asset twice: " + assets);
    }
  }

  /** A portfolio trading every period at the round-trip rate {@code costRate}, its strategies with their default parameters. */
  public PortfolioSettings(String id, List<String> assets, List<String> strategies, List<String> combiners, double costRate,
      long periodMillis) {
    this(id, assets, strategies, combiners, Trading.costs(costRate), periodMillis, Map.of(), Book.LONG_ONLY);
  }

  /** A portfolio trading every period at the round-trip rate {@code costRate}. */
  public PortfolioSettings(String id, List<String> assets, List<String> strategies, List<String> combiners, double costRate,
      long periodMillis, Map<String, Map<String, Double>> parameters) {
    this(id, assets, strategies, combiners, Trading.costs(costRate), periodMillis, parameters, Book.LONG_ONLY);
  }

  /** A long-only portfolio trading by {@code trading}. */
  public PortfolioSettings(String id, List<String> assets, List<String> strategies, List<String> combiners, Trading trading,
      long periodMillis, Map<String, Map<String, Double>> parameters) {
    this(id, assets, strategies, combiners, trading, periodMillis, parameters, Book.LONG_ONLY);
  }

  /** The assets the strategies weigh: the real ones, then the short ones where the book allows shorts. */
  public List<String> bookAssets() {
    return book.assets(assets);
  }

  /** The round-trip cost rate c (one-way rates per asset, where given, take its place). */
  public double costRate() {
    return trading.costRate();
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
    parameters.forEach((strategy, p) -> {
      if (!strategies.contains(strategy)) {
        throw new IllegalArgumentException("portfolio " + id + " sets parameters of " + strategy + ", which is not among its strategies " + strategies);
      }
      try {
        Strategies.parameters(strategy, p);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("portfolio " + id + ": " + e.getMessage(), e);
      }
    });
    return this;
  }

  public long periodOf(long eventTimeMillis) {
    return Math.floorDiv(eventTimeMillis, periodMillis);
  }
}
