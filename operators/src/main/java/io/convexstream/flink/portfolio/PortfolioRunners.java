package io.convexstream.flink.portfolio;

import io.convexstream.core.portfolio.Backtest;
import io.convexstream.core.portfolio.Strategies;
import io.convexstream.schemas.PortfolioDecision;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A portfolio's strategies and combiners as the portfolio function keeps them: created from the
 * settings, stored as Java-serialized bytes (the strategies' own state, whatever its shape), and
 * turned into the decisions of a closed period.
 */
final class PortfolioRunners {
  private PortfolioRunners() {}

  static List<PortfolioFunction.Runner> newRunners(PortfolioSettings settings) {
    int m = settings.bookAssets().size();
    List<PortfolioFunction.Runner> runners = new ArrayList<>();
    for (String name : settings.strategies()) {
      runners.add(new PortfolioFunction.Runner(Strategies.create(name, m, null, settings.parameters().getOrDefault(name, Map.of())),
          new Backtest(settings.trading())));
    }
    for (String name : settings.combiners()) {
      runners.add(new PortfolioFunction.Runner(Strategies.combiner(name, settings.strategies(), m, null, settings.parameters(), settings.trading()),
          new Backtest(settings.trading())));
    }
    return runners;
  }

  static List<PortfolioDecision> decisions(PortfolioSettings settings, List<PortfolioFunction.Runner> runners, long period, double[] returns,
      Instant end, long runEpoch, List<String> carriedAssets) {
    List<PortfolioDecision> out = new ArrayList<>(runners.size());
    for (int k = 0; k < runners.size(); k++) {
      PortfolioFunction.Runner r = runners.get(k);
      List<Double> w = new ArrayList<>();
      for (double v : r.backtest().decide(r.strategy().weights())) { // what the book holds next: the target, or its drifted weights
        w.add(v);
      }
      out.add(PortfolioDecision.newBuilder()
          .setPortfolioId(settings.id())
          .setStrategy(r.strategy().name())
          .setPeriod(period)
          .setAssets(settings.bookAssets())
          .setWeights(w)
          .setWealth(r.backtest().wealth())
          .setPeriodReturn(returns == null ? 1.0 : returns[k])
          .setEventTime(end)
          .setRunEpoch(runEpoch)
          .setCarriedAssets(carriedAssets)
          .setRisk(risk(r.backtest()))
          .build());
    }
    return out;
  }

  /** The book's risk figures that are defined (finite), by name. */
  static Map<String, Double> risk(Backtest b) {
    Map<String, Double> out = new java.util.LinkedHashMap<>();
    double[] v = b.risk();
    for (int i = 0; i < v.length; i++) {
      if (Double.isFinite(v[i])) {
        out.put(Backtest.RISK[i], v[i]);
      }
    }
    return out;
  }

  static byte[] serialize(List<PortfolioFunction.Runner> runners) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream o = new ObjectOutputStream(bytes)) {
      o.writeObject(new ArrayList<>(runners));
    }
    return bytes.toByteArray();
  }

  @SuppressWarnings("unchecked")
  static List<PortfolioFunction.Runner> deserialize(byte[] bytes) throws IOException, ClassNotFoundException {
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes)) {
      @Override
      protected Class<?> resolveClass(java.io.ObjectStreamClass desc) throws IOException, ClassNotFoundException {
        return Class.forName(desc.getName(), false, PortfolioFunction.class.getClassLoader());
      }
    }) {
      return (List<PortfolioFunction.Runner>) in.readObject();
    }
  }
}
