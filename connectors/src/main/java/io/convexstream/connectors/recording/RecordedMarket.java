package io.convexstream.connectors.recording;

import io.convexstream.connectors.kafka.Topic;
import io.convexstream.connectors.marketdata.PriceRelativesCsv;
import io.convexstream.schemas.MarketBar;
import io.convexstream.schemas.MarketTick;
import io.convexstream.schemas.RecordedMessage;
import io.convexstream.schemas.codec.AvroCodec;
import io.convexstream.schemas.validate.RecordChecks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A recorded market-data stream (bars, or ticks when no bars were recorded) as per-period price
 * relatives, by the streaming job's rules: fixed event-time periods, a period's close is the
 * latest-timed valid reading of each asset, assets without one carry their last close, and the
 * first period in which every asset has a price sets p_0. Records that do not decode or fail the
 * job's checks are skipped and counted.
 */
public final class RecordedMarket {
  /** The relatives, and how many recorded messages were skipped as invalid. */
  public record Result(PriceRelativesCsv.Data data, int skipped) {}

  private RecordedMarket() {}

  public static Result read(Path dir, long periodMillis) throws IOException {
    boolean bars = Files.exists(Recording.file(dir, Topic.MARKET_BARS.topicName()));
    Topic topic = bars ? Topic.MARKET_BARS : Topic.MARKET_TICKS;
    if (!bars && !Files.exists(Recording.file(dir, topic.topicName()))) {
      throw new IOException("recording " + dir + " has neither " + Topic.MARKET_BARS.topicName() + " nor " + topic.topicName());
    }
    AvroCodec<MarketBar> barCodec = AvroCodec.of(MarketBar.class);
    AvroCodec<MarketTick> tickCodec = AvroCodec.of(MarketTick.class);
    record Reading(String asset, long time, double price) {}
    List<Reading> readings = new ArrayList<>();
    int skipped = 0;
    for (RecordedMessage m : Recording.read(Recording.file(dir, topic.topicName()))) {
      try {
        byte[] value = Replayer.bytes(m.getValue());
        if (bars) {
          MarketBar b = barCodec.decode(value);
          if (RecordChecks.barProblem(b) == null) {
            readings.add(new Reading(b.getAsset(), b.getEventTime().toEpochMilli(), b.getClose()));
            continue;
          }
        } else {
          MarketTick t = tickCodec.decode(value);
          if (RecordChecks.tickProblem(t) == null) {
            readings.add(new Reading(t.getAsset(), t.getEventTime().toEpochMilli(), t.getPrice()));
            continue;
          }
        }
      } catch (RuntimeException undecodable) {
        // counted below
      }
      skipped++;
    }
    List<String> assets = new ArrayList<>(new TreeSet<>(readings.stream().map(Reading::asset).toList()));
    int n = assets.size();
    TreeMap<Long, double[]> periods = new TreeMap<>(); // prices, then their times
    for (Reading r : readings) {
      double[] p = periods.computeIfAbsent(Math.floorDiv(r.time(), periodMillis), k -> {
        double[] v = new double[2 * n];
        Arrays.fill(v, Double.NaN);
        return v;
      });
      int i = assets.indexOf(r.asset());
      if (Double.isNaN(p[n + i]) || r.time() >= p[n + i]) {
        p[i] = r.price();
        p[n + i] = r.time();
      }
    }
    double[] last = new double[n];
    Arrays.fill(last, Double.NaN);
    double[] base = null;
    List<double[]> prices = new ArrayList<>();
    List<double[]> relatives = new ArrayList<>();
    for (double[] p : periods.values()) {
      double[] close = last.clone();
      for (int i = 0; i < n; i++) {
        if (!Double.isNaN(p[i])) {
          close[i] = p[i];
        }
      }
      if (Arrays.stream(close).noneMatch(Double::isNaN)) {
        if (base == null) {
          base = close;
        } else {
          double[] x = new double[n];
          double[] rel = new double[n];
          for (int i = 0; i < n; i++) {
            x[i] = close[i] / last[i];
            rel[i] = close[i] / base[i];
          }
          relatives.add(x);
          prices.add(rel);
        }
      }
      last = close;
    }
    if (relatives.isEmpty()) {
      throw new IOException("recording " + dir + " has fewer than two complete periods of " + periodMillis + " ms");
    }
    return new Result(new PriceRelativesCsv.Data(assets, prices.toArray(double[][]::new), relatives.toArray(double[][]::new)), skipped);
  }
}
