package io.convexstream.schemas.codec;

import io.convexstream.schemas.ChampionDecision;
import io.convexstream.schemas.DeadLetter;
import io.convexstream.schemas.ExpertBiasUpdate;
import io.convexstream.schemas.Feedback;
import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.LabelledExample;
import io.convexstream.schemas.LearningEvent;
import io.convexstream.schemas.MarketBar;
import io.convexstream.schemas.MarketTick;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.schemas.PlacementPlan;
import io.convexstream.schemas.PortfolioDecision;
import io.convexstream.schemas.Prediction;
import io.convexstream.schemas.RouterLoadReport;
import io.convexstream.schemas.RouterScoreBatch;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * Every record type of the system and the schema store that decodes them.
 *
 * <p>The store holds the current schema of each type plus every retired version listed in a
 * {@code io/convexstream/schemas/history/index.txt} on the classpath (all such files are read), so a
 * message written with an older schema still decodes into the current class.
 */
public final class SchemaCatalog {
  public static final String HISTORY_INDEX = "io/convexstream/schemas/history/index.txt";

  /** The record types carried on the system's topics. */
  public static final List<Class<? extends SpecificRecord>> RECORD_TYPES =
      List.of(
          Gradient.class,
          LabelledExample.class,
          LearningEvent.class,
          Feedback.class,
          ParameterUpdate.class,
          Prediction.class,
          ChampionDecision.class,
          RouterLoadReport.class,
          RouterScoreBatch.class,
          ExpertBiasUpdate.class,
          PlacementPlan.class,
          MarketTick.class,
          MarketBar.class,
          PortfolioDecision.class,
          DeadLetter.class);

  private static volatile SchemaStore.Cache store;

  private SchemaCatalog() {}

  /** The shared store of current and retired schemas, built once per class loader. */
  public static SchemaStore.Cache store() {
    SchemaStore.Cache s = store;
    if (s == null) {
      synchronized (SchemaCatalog.class) {
        if (store == null) {
          store = build();
        }
        s = store;
      }
    }
    return s;
  }

  public static Schema schemaOf(Class<? extends SpecificRecord> type) {
    return SpecificData.get().getSchema(type);
  }

  /** Retired schemas listed in every history index on the classpath. */
  public static List<Schema> historicalSchemas() {
    List<Schema> schemas = new ArrayList<>();
    ClassLoader loader = SchemaCatalog.class.getClassLoader();
    try {
      Enumeration<URL> indexes = loader.getResources(HISTORY_INDEX);
      for (URL index : Collections.list(indexes)) {
        for (String path : readLines(index)) {
          URL schemaUrl = new URL(index, path);
          try (InputStream in = schemaUrl.openStream()) {
            schemas.add(new Schema.Parser().parse(in));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read schema history " + HISTORY_INDEX, e);
    }
    return schemas;
  }

  private static SchemaStore.Cache build() {
    SchemaStore.Cache cache = new SchemaStore.Cache();
    for (Class<? extends SpecificRecord> type : RECORD_TYPES) {
      cache.addSchema(schemaOf(type));
    }
    historicalSchemas().forEach(cache::addSchema);
    return cache;
  }

  private static List<String> readLines(URL url) throws IOException {
    List<String> lines = new ArrayList<>();
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(url.openStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        String trimmed = line.strip();
        if (!trimmed.isEmpty() && !trimmed.startsWith("#")) {
          lines.add(trimmed);
        }
      }
    }
    return lines;
  }
}
