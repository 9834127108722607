package io.convexstream.kafka;

import io.convexstream.schemas.ChampionDecision;
import io.convexstream.schemas.DeadLetter;
import io.convexstream.schemas.Feedback;
import io.convexstream.schemas.ExpertBiasUpdate;
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
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/**
 * The one topic catalogue: every topic of the system with its record type, key, partitions and
 * configs. Topic creation, deployment manifests and docs derive from it.
 */
public enum Topic {
  GRADIENTS("convexstream.gradients", Gradient.class, "modelId", Kind.INPUT),
  EXAMPLES("convexstream.examples", LabelledExample.class, "modelId", Kind.INPUT),
  EVENTS("convexstream.events", LearningEvent.class, "modelId", Kind.INPUT),
  FEEDBACK("convexstream.feedback", Feedback.class, "modelId", Kind.INPUT),
  PARAMETERS("convexstream.parameters", ParameterUpdate.class, "modelId", Kind.OUTPUT),
  PREDICTIONS("convexstream.predictions", Prediction.class, "modelId", Kind.OUTPUT),
  CHAMPIONS("convexstream.champions", ChampionDecision.class, "modelId", Kind.OUTPUT),
  ROUTER_LOADS("convexstream.router-loads", RouterLoadReport.class, "modelId/layer", Kind.INPUT),
  ROUTER_SCORES("convexstream.router-scores", RouterScoreBatch.class, "modelId/layer", Kind.INPUT),
  EXPERT_BIASES("convexstream.expert-biases", ExpertBiasUpdate.class, "modelId/layer", Kind.OUTPUT),
  PLACEMENT_PLANS("convexstream.placement-plans", PlacementPlan.class, "modelId/layer", Kind.OUTPUT),
  MARKET_TICKS("convexstream.market-ticks", MarketTick.class, "asset", Kind.INPUT),
  MARKET_BARS("convexstream.market-bars", MarketBar.class, "asset", Kind.INPUT),
  PORTFOLIO_DECISIONS("convexstream.portfolio-decisions", PortfolioDecision.class, "portfolioId", Kind.OUTPUT),
  DEAD_LETTERS("convexstream.dead-letters", DeadLetter.class, "sourceTopic", Kind.DEAD_LETTER);

  /**
   * Role of a topic; it sets the default retention. Outputs and dead letters are stamped with the
   * broker's append time: jobs write event-time timestamps, which for replayed or simulated data
   * lie far in the past or future (the broker would reject the future ones and expire the past ones).
   */
  public enum Kind {
    INPUT(Map.of("retention.ms", String.valueOf(7L * 24 * 3600 * 1000), "max.message.bytes", String.valueOf(MAX_MESSAGE_BYTES))),
    OUTPUT(Map.of("retention.ms", String.valueOf(7L * 24 * 3600 * 1000), "message.timestamp.type", "LogAppendTime",
        "max.message.bytes", String.valueOf(MAX_MESSAGE_BYTES))),
    DEAD_LETTER(Map.of("retention.ms", String.valueOf(30L * 24 * 3600 * 1000), "message.timestamp.type", "LogAppendTime",
        "max.message.bytes", String.valueOf(MAX_MESSAGE_BYTES)));

    final Map<String, String> configs;

    Kind(Map<String, String> configs) {
      this.configs = configs;
    }
  }

  /**
   * The largest message (record batch) any topic takes, 8 MiB: the topics' max.message.bytes, and
   * the project's producers' max.request.size and consumers' max.partition.fetch.bytes. A dense
   * vector of 10⁶ doubles (8 MB) fits; beyond, sparse gradients are the way in. Jobs dead-letter an
   * output whose encoding would not fit ({@code output.maxBytes}) instead of failing on it.
   */
  public static final int MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

  /**
   * The project's producers' {@code batch.size}: records per partition go to the broker in batches of
   * up to 256 KiB instead of Kafka's 16 KiB, which the broker and the producer's I/O thread pay for per
   * batch: on the embedded broker a job's small outputs went 1.7× faster, the no-op baseline's 2.3×
   * (benchmarks/HISTORY.md). Under load each partition a producer writes holds one such batch, so Kafka's
   * 32 MiB {@code buffer.memory} serves up to 128 partitions per producer without blocking.
   */
  public static final int PRODUCER_BATCH_BYTES = 256 * 1024;

  /** Partitions of every topic unless overridden at creation. */
  public static final int DEFAULT_PARTITIONS = 4;

  private final String topicName;
  private final Class<? extends SpecificRecord> recordType;
  private final String key;
  private final Kind kind;

  Topic(String topicName, Class<? extends SpecificRecord> recordType, String key, Kind kind) {
    this.topicName = topicName;
    this.recordType = recordType;
    this.key = key;
    this.kind = kind;
  }

  /** The topic called {@code name}, its full name or the part after "convexstream." (e.g. gradients). */
  public static Topic named(String name) {
    for (Topic t : values()) {
      if (t.topicName.equals(name) || t.topicName.equals("convexstream." + name)) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown topic " + name + "; the topics are "
        + java.util.Arrays.stream(values()).map(Topic::topicName).toList());
  }

  /** The record's Kafka key, built from its fields as {@link #key()} names them (e.g. "m1/3" for modelId/layer). */
  public String keyOf(org.apache.avro.generic.IndexedRecord record) {
    StringBuilder k = new StringBuilder();
    for (String field : key.split("/")) {
      if (k.length() > 0) {
        k.append('/');
      }
      k.append(record.get(record.getSchema().getField(field).pos()));
    }
    return k.toString();
  }

  public String topicName() {
    return topicName;
  }

  public Class<? extends SpecificRecord> recordType() {
    return recordType;
  }

  /** What the Kafka record key holds (UTF-8). */
  public String key() {
    return key;
  }

  public Kind kind() {
    return kind;
  }

  public Map<String, String> configs() {
    return kind.configs;
  }
}
