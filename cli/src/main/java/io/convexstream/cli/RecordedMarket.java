package io.convexstream.cli;

import io.convexstream.core.portfolio.PeriodPrices;
import io.convexstream.core.portfolio.PriceRelativesCsv;
import io.convexstream.flink.portfolio.PriceReading;
import io.convexstream.kafka.Topic;
import io.convexstream.kafka.recording.Recording;
import io.convexstream.schemas.RecordedMessage;
import io.convexstream.schemas.codec.AvroCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.avro.specific.SpecificRecord;

/**
 * A recorded market-data stream (bars, or ticks when no bars were recorded) as per-period price
 * relatives, by the streaming job's rules ({@link PeriodPrices}): fixed event-time periods, a
 * period's close is the latest-timed valid reading of each asset, assets without one carry their
 * last close, and the first period in which every asset has a price sets p_0. Records that do not
 * decode or fail the job's checks are skipped and counted.
 */
public final class RecordedMarket {
  /** The relatives, and how many recorded messages were skipped as invalid. */
  public record Result(PriceRelativesCsv.Data data, int skipped) {}

  private record Reading(String asset, long time, double price) {}

  private RecordedMarket() {}

  public static Result read(Path dir, long periodMillis) throws IOException {
    if (Files.exists(Recording.file(dir, Topic.MARKET_BARS.topicName()))) {
      return read(dir, Topic.MARKET_BARS, PriceReading.BARS, periodMillis);
    }
    if (Files.exists(Recording.file(dir, Topic.MARKET_TICKS.topicName()))) {
      return read(dir, Topic.MARKET_TICKS, PriceReading.TICKS, periodMillis);
    }
    throw new IOException("recording " + dir + " has neither " + Topic.MARKET_BARS.topicName() + " nor " + Topic.MARKET_TICKS.topicName());
  }

  private static <T extends SpecificRecord> Result read(Path dir, Topic topic, PriceReading<T> reading, long periodMillis) throws IOException {
    AvroCodec<T> codec = AvroCodec.of(reading.type());
    List<Reading> readings = new ArrayList<>();
    int skipped = 0;
    for (RecordedMessage m : Recording.read(Recording.file(dir, topic.topicName()))) {
      T r;
      try {
        r = codec.decode(AvroCodec.bytes(m.getValue()));
      } catch (RuntimeException undecodable) {
        skipped++;
        continue;
      }
      if (reading.problem(r) != null) {
        skipped++;
        continue;
      }
      readings.add(new Reading(reading.asset(r), reading.timeMillis(r), reading.price(r)));
    }
    List<String> assets = new ArrayList<>(new TreeSet<>(readings.stream().map(Reading::asset).toList()));
    TreeMap<Long, double[]> periods = new TreeMap<>();
    for (Reading r : readings) {
      double[] open = periods.computeIfAbsent(Math.floorDiv(r.time(), periodMillis), k -> PeriodPrices.open(assets.size()));
      PeriodPrices.take(open, assets.indexOf(r.asset()), r.time(), r.price());
    }
    double[] last = PeriodPrices.none(assets.size());
    double[] base = null;
    List<double[]> prices = new ArrayList<>();
    List<double[]> relatives = new ArrayList<>();
    for (double[] open : periods.values()) {
      double[] close = PeriodPrices.close(last, open);
      if (PeriodPrices.complete(close)) {
        if (base == null) {
          base = close;
        } else {
          relatives.add(PeriodPrices.relatives(close, last));
          prices.add(PeriodPrices.relatives(close, base));
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
