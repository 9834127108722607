package io.convexstream.jobs;

import io.convexstream.connectors.flink.Decoded;
import io.convexstream.core.join.ChampionRule;
import io.convexstream.core.learn.LearnerConfig;
import io.convexstream.core.learn.Loss;
import io.convexstream.flink.DeadLetters;
import io.convexstream.flink.loop.FeedbackLoopFunction;
import io.convexstream.flink.loop.LoopSettings;
import io.convexstream.flink.omd.LearnerSettings;
import io.convexstream.kafka.Topic;
import io.convexstream.schemas.ChampionDecision;
import io.convexstream.schemas.Feedback;
import io.convexstream.schemas.LearningEvent;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.schemas.Prediction;
import io.convexstream.schemas.validate.RecordChecks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The learning loop: events and their delayed feedback → decode and check → one {@link
 * FeedbackLoopFunction} per model id → the champion's parameters, every event's prediction, and
 * a champion decision per window; rejects → dead letters. Options: {@link #options()}
 * ({@code convexstream options events}).
 */
public final class LearningLoopJob implements StreamJob {
  public static final String NAME = "events";
  /** The learners' list separator; a learner's own parameters are separated by ';'. */
  private static final String LIST = ",";
  /** Models whose id starts with what follows get their own learners. */
  private static final String LEARNERS_PREFIX = "learners.";
  public static final ConfigOption<String> LEARNERS = ConfigOptions.key("learners").stringType().defaultValue("ftrl")
      .withDescription("Every model's learners (unless learners.<prefix> gives its own), comma-separated, each ALGORITHM;KEY=VALUE;... "
          + "(e.g. ftrl;ftrl.alpha=0.1,ogd;G=6): all score every event and learn from every feedback; the first serves until a challenger is "
          + "promoted.");
  public static final ConfigOption<String> CHAMPION = ConfigOptions.key("champion").stringType().noDefaultValue()
      .withDescription("The learner that serves, by name (its algorithm, or ALGORITHM#i where one repeats; every model's learners have it): "
          + "set, or changed on a restore, it is promoted at the next event.");
  public static final ConfigOption<Loss> LOSS = ConfigOptions.key("loss").enumType(Loss.class).defaultValue(Loss.LOGISTIC)
      .withDescription("The loss every learner learns from and is judged by: logistic, squared, hinge or huber.");
  public static final ConfigOption<Integer> DIM = ConfigOptions.key("features.dim").intType().defaultValue(1 << 20)
      .withDescription("Every model's dimension: named features are hashed into it (MurmurHash3 x86_32, seed 0); feature vectors must have it.");
  public static final ConfigOption<Duration> MAX_DELAY = ConfigOptions.key("feedback.maxDelay").durationType()
      .defaultValue(Duration.ofHours(1))
      .withDescription("How long after its event (in event time) feedback is still joined; the event's features wait that long.");
  public static final ConfigOption<Missing> MISSING = ConfigOptions.key("feedback.missing").enumType(Missing.class)
      .defaultValue(Missing.EXPIRE)
      .withDescription("An event without feedback after feedback.maxDelay: expire (counted) or negative (learnt as label -1, or 0 "
          + "for squared and huber: the click-through convention).");
  public static final ConfigOption<Duration> OUT_OF_ORDER = ConfigOptions.key("outOfOrder").durationType().defaultValue(Duration.ZERO)
      .withDescription("How far out of event-time order either input may arrive per partition: the watermark lags by it, and "
          + "inputs behind a played watermark are dead-lettered as late.");
  public static final ConfigOption<Duration> IDLE_TIMEOUT = ConfigOptions.key("idleTimeout").durationType().defaultValue(Duration.ZERO)
      .withDescription("Mark an input partition idle after this long without data (0: never), so the watermark moves on without it "
          + "(live only; what it plays then depends on arrival times).");
  public static final ConfigOption<Duration> CHAMPION_WINDOW = ConfigOptions.key("champion.window").durationType()
      .defaultValue(Duration.ofHours(1))
      .withDescription("Champion windows, in the feedback's event time: at each window's end the learners' mean progressive loss decides.");
  public static final ConfigOption<Double> CHAMPION_MARGIN = ConfigOptions.key("champion.margin").doubleType().defaultValue(0.01)
      .withDescription("A challenger replaces the champion when its mean loss in a window is below (1 - margin) times the champion's.");
  public static final ConfigOption<Long> CHAMPION_MIN_JOINED = ConfigOptions.key("champion.minJoined").longType().defaultValue(100L)
      .withDescription("A window decides only with at least this many feedbacks joined.");
  public static final ConfigOption<Promotion> CHAMPION_PROMOTE = ConfigOptions.key("champion.promote").enumType(Promotion.class)
      .defaultValue(Promotion.AUTO)
      .withDescription("auto: the champion rule promotes; never: only the champion option does.");

  /** What becomes of an event whose feedback never comes. */
  public enum Missing { EXPIRE, NEGATIVE }

  /** Who promotes a challenger. */
  public enum Promotion { AUTO, NEVER }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "the learning loop: " + Topic.EVENTS.topicName() + " + " + Topic.FEEDBACK.topicName() + " -> " + Topic.PREDICTIONS.topicName()
        + ", " + Topic.PARAMETERS.topicName() + ", " + Topic.CHAMPIONS.topicName();
  }

  @Override
  public List<Topic> inputs(Map<String, String> options) {
    return List.of(Topic.EVENTS, Topic.FEEDBACK);
  }

  @Override
  public List<Topic> outputs() {
    return List.of(Topic.PARAMETERS, Topic.PREDICTIONS, Topic.CHAMPIONS);
  }

  @Override
  public JobOptions options() {
    return new JobOptions(List.of(LEARNERS, CHAMPION, LOSS, DIM, MAX_DELAY, MISSING, OUT_OF_ORDER, IDLE_TIMEOUT, CHAMPION_WINDOW,
        CHAMPION_MARGIN, CHAMPION_MIN_JOINED, CHAMPION_PROMOTE, LearnerJob.EMIT_EVERY, LearnerJob.PUBLISH_CHUNK_BYTES,
        LearnerJob.PUBLISH_SNAPSHOT_EVERY), List.of(new JobOptions.OpenPrefix(LEARNERS_PREFIX,
            "Models whose id starts with <...> get their own learners, as in learners (e.g. learners.ads/=ftrl,ftrl;ftrl.alpha=0.5,ogd;G=6).",
            (prefix, value) -> lineup(value))));
  }

  /** The loop's settings the options describe (checked: learners, names, loss, ranges). */
  public LoopSettings settings(Map<String, String> given) {
    Configuration o = options().parse(given);
    Map<String, LoopSettings.Lineup> lineups = new HashMap<>();
    given.forEach((k, v) -> {
      if (k.startsWith(LEARNERS_PREFIX)) {
        lineups.put(k.substring(LEARNERS_PREFIX.length()), lineup(v));
      }
    });
    int dim = o.get(DIM);
    if (dim < 1 || dim > RecordChecks.MAX_DIM) {
      throw new IllegalArgumentException(DIM.key() + " must be in 1.." + RecordChecks.MAX_DIM + ", not " + dim);
    }
    int chunkBytes = o.get(LearnerJob.PUBLISH_CHUNK_BYTES);
    ChampionRule rule = new ChampionRule(o.get(CHAMPION_WINDOW).toMillis(), o.get(CHAMPION_MARGIN), o.get(CHAMPION_MIN_JOINED),
        o.get(CHAMPION_PROMOTE) == Promotion.AUTO);
    return new LoopSettings(lineup(o.get(LEARNERS)), lineups, o.getOptional(CHAMPION).orElse(null), o.get(LOSS), dim, o.get(MAX_DELAY).toMillis(),
        o.get(MISSING) == Missing.NEGATIVE, rule, o.get(LearnerJob.EMIT_EVERY),
        new LearnerSettings.Publication(chunkBytes, o.get(LearnerJob.PUBLISH_SNAPSHOT_EVERY)));
  }

  /** The learners of a list {@code ALGORITHM;KEY=VALUE;...,...}. */
  private static LoopSettings.Lineup lineup(String list) {
    List<LearnerConfig> learners = new ArrayList<>();
    for (String spec : list.split(LIST)) {
      learners.add(LearnerConfig.parse(spec));
    }
    return new LoopSettings.Lineup(names(learners), learners);
  }

  /** Each learner's algorithm, with {@code #i} (its position) where an algorithm repeats. */
  static List<String> names(List<LearnerConfig> learners) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < learners.size(); i++) {
      String a = learners.get(i).algorithm();
      long same = learners.stream().filter(l -> l.algorithm().equals(a)).count();
      names.add(same > 1 ? a + "#" + i : a);
    }
    return names;
  }

  @Override
  public void build(StreamExecutionEnvironment env, JobSettings s) {
    LoopSettings loop = settings(s.options());
    Configuration o = options().parse(s.options());
    long outOfOrder = o.get(OUT_OF_ORDER).toMillis();
    long idle = o.get(IDLE_TIMEOUT).toMillis();
    SingleOutputStreamOperator<Decoded<LearningEvent>> events = Jobs.decode(env, s, NAME, "events", Topic.EVENTS, LearningEvent.class,
        new Jobs.EventTime<>(e -> e.getEventTime().toEpochMilli(), outOfOrder, idle), RecordChecks::eventProblem);
    SingleOutputStreamOperator<Decoded<Feedback>> feedback = Jobs.decode(env, s, NAME, "feedback", Topic.FEEDBACK, Feedback.class,
        new Jobs.EventTime<>(f -> f.getEventTime().toEpochMilli(), outOfOrder, idle), RecordChecks::feedbackProblem);

    SingleOutputStreamOperator<ParameterUpdate> parameters = events.keyBy(d -> d.value.getModelId())
        .connect(feedback.keyBy(d -> d.value.getModelId()))
        .process(new FeedbackLoopFunction(NAME, loop))
        .name("learning-loop")
        .uid("learning-loop");

    var unpublished = Jobs.publish(parameters, s, NAME, Topic.PARAMETERS, ParameterUpdate.class, ParameterUpdate::getModelId, "parameters",
        "parameters-sink");
    var unpredicted = Jobs.publish(parameters.getSideOutput(FeedbackLoopFunction.PREDICTIONS), s, NAME, Topic.PREDICTIONS,
        Prediction.class, Prediction::getModelId, "predictions", "predictions-sink");
    var undecided = Jobs.publish(parameters.getSideOutput(FeedbackLoopFunction.DECISIONS), s, NAME, Topic.CHAMPIONS,
        ChampionDecision.class, ChampionDecision::getModelId, "champions", "champions-sink");
    Jobs.sinkDeadLetters(s, NAME, events.getSideOutput(DeadLetters.TAG), feedback.getSideOutput(DeadLetters.TAG),
        parameters.getSideOutput(DeadLetters.TAG), unpublished, unpredicted, undecided);
  }
}
