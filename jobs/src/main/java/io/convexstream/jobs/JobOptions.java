package io.convexstream.jobs;

import io.convexstream.flink.OperatorMetrics;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;

/**
 * The options a job takes ({@code --set KEY=VALUE}): each one Flink {@link ConfigOption} with its
 * type, default and description, so one definition serves parsing, validation and {@code
 * convexstream options}. Keys whose tail is free (a model-id prefix after {@code override.}) are
 * open prefixes with a check of their value. Unknown keys and values of the wrong type are errors
 * that name the key (and the nearest valid key).
 */
public final class JobOptions {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(JobOptions.class);
  // shared by every job
  public static final ConfigOption<Integer> METRICS_MAX_KEYS = ConfigOptions.key(OperatorMetrics.MAX_KEYS_OPTION).intType()
      .defaultValue(OperatorMetrics.DEFAULT_MAX_KEYS)
      .withDescription("Per-key gauges (per model, layer, strategy) for at most this many keys per subtask.");
  public static final ConfigOption<String> REPLAY_DIR = ConfigOptions.key("replay.dir").stringType().noDefaultValue()
      .withDescription("Read the input from this recording directory instead of Kafka (set by `replay --job`).");
  public static final ConfigOption<Long> REPLAY_FROM = ConfigOptions.key("replay.from").longType().defaultValue(Long.MIN_VALUE)
      .withDescription("With replay.dir: only recorded messages with a Kafka timestamp at or after this (epoch ms).");
  public static final ConfigOption<Long> REPLAY_TO = ConfigOptions.key("replay.to").longType().defaultValue(Long.MAX_VALUE)
      .withDescription("With replay.dir: only recorded messages with a Kafka timestamp before this (epoch ms).");
  public static final ConfigOption<String> INJECT_FAILURES = ConfigOptions.key("inject.failures").stringType().noDefaultValue()
      .withDescription("Fault drills: the k-th attempt fails at the k-th source position, \"P@O,P@O,...\".");
  public static final ConfigOption<Long> INJECT_PAUSE_MICROS = ConfigOptions.key("inject.pauseMicros").longType().defaultValue(0L)
      .withDescription("With inject.failures: pause per record (µs), to stretch a short input over checkpoints.");

  // Flink's own keys, applied to the job's configuration (absent: the cluster's settings)
  public static final ConfigOption<String> STATE_BACKEND = ConfigOptions.key("state.backend.type").stringType().noDefaultValue()
      .withDescription("hashmap (state on the heap) or rocksdb (on local disk, larger than memory); absent: the cluster's (hashmap locally).");
  public static final ConfigOption<String> CHECKPOINT_DIR = ConfigOptions.key("execution.checkpointing.dir").stringType().noDefaultValue()
      .withDescription("Where checkpoints go (a path or URI: file:///..., s3://...); absent: the cluster's (locally a directory of the run).");
  public static final ConfigOption<Boolean> INCREMENTAL = ConfigOptions.key("execution.checkpointing.incremental").booleanType()
      .defaultValue(true).withDescription("With rocksdb: checkpoints upload only the files that changed since the last one.");
  public static final ConfigOption<java.time.Duration> BUFFER_TIMEOUT = ConfigOptions.key("execution.buffer-timeout.interval").durationType()
      .defaultValue(java.time.Duration.ofMillis(100)).withDescription("How long records may wait in a network buffer between operators: "
          + "lower (e.g. 5 ms) for the MoE control loop's low-latency mode, at some throughput; absent: the cluster's (Flink's 100 ms).");

  public static final ConfigOption<Integer> OUTPUT_MAX_BYTES = ConfigOptions.key("output.maxBytes").intType()
      .defaultValue(io.convexstream.connectors.flink.OutputEncoder.DEFAULT_MAX_BYTES)
      .withDescription("An output whose encoded key and value exceed this is dead-lettered (stage publish), not sent; at most the default "
          + "(the topics' 8 MiB message limit less headroom).");

  /** Of the jobs whose keys come and go (models, layers): the idle time after which a key's state is dropped. */
  public static final ConfigOption<java.time.Duration> STATE_TTL = ConfigOptions.key("state.ttl").durationType().noDefaultValue()
      .withDescription("How long a key (a model, a layer) may go without a record before all of its state is dropped and counted"
          + " (expiredKeys), e.g. 30 d; processing time. A key that comes back starts a new run (a larger runEpoch) at the step"
          + " it sends. Default: kept for good.");
  private static final List<ConfigOption<?>> SHARED = List.of(STATE_BACKEND, CHECKPOINT_DIR, INCREMENTAL, BUFFER_TIMEOUT, OUTPUT_MAX_BYTES, METRICS_MAX_KEYS,
      REPLAY_DIR, REPLAY_FROM, REPLAY_TO, INJECT_FAILURES, INJECT_PAUSE_MICROS);
  private static final List<String> STATE_BACKENDS = List.of("hashmap", "rocksdb");

  /**
   * A time: a duration under {@code key} (e.g. {@code 10 s}, {@code 500 ms}), or in milliseconds
   * under its older name {@code key + "Ms"}, still read (with a deprecation line) so that existing
   * manifests and scripts keep working.
   */
  public record TimeOption(ConfigOption<java.time.Duration> duration, ConfigOption<Long> millis) {
    public static TimeOption of(String key, java.time.Duration defaultValue, String description) {
      return new TimeOption(ConfigOptions.key(key).durationType().defaultValue(defaultValue).withDescription(description),
          ConfigOptions.key(key + DEPRECATED_MILLIS_SUFFIX).longType().noDefaultValue()
              .withDescription("Deprecated: " + key + " in milliseconds."));
    }

    /** The time in milliseconds: under the old name where only it is given, else the duration. */
    public long millisIn(Configuration options) {
      var old = options.getOptional(millis);
      if (old.isPresent() && options.contains(duration)) {
        throw new IllegalArgumentException("give " + duration.key() + " or " + millis.key() + ", not both");
      }
      return old.orElseGet(() -> options.get(duration).toMillis());
    }

    /** Both keys, for a job's option list. */
    public List<ConfigOption<?>> options() {
      return List.of(duration, millis);
    }
  }

  private static final String DEPRECATED_MILLIS_SUFFIX = "Ms";

  /** A family of keys {@code prefix + anything}, e.g. {@code override.<model prefix>}, with a check of each value. */
  public record OpenPrefix(String prefix, String description, BiConsumer<String, String> check) {}

  private final Map<String, ConfigOption<?>> options = new LinkedHashMap<>();
  private final List<OpenPrefix> prefixes;

  public JobOptions(Collection<ConfigOption<?>> own, List<OpenPrefix> prefixes) {
    for (ConfigOption<?> o : own) {
      options.put(o.key(), o);
    }
    for (ConfigOption<?> o : SHARED) {
      options.put(o.key(), o);
    }
    this.prefixes = List.copyOf(prefixes);
  }

  public JobOptions(Collection<ConfigOption<?>> own) {
    this(own, List.of());
  }

  /** Flink's RocksDB option (RocksDBConfigurableOptions.USE_BLOOM_FILTER), set with state.backend.type=rocksdb. */
  static final String ROCKSDB_BLOOM_FILTER = "state.backend.rocksdb.use-bloom-filter";

  /** The job's Flink configuration from these options: state backend, checkpoint storage and buffer timeout, where set. */
  public static Configuration flinkConfiguration(Configuration options) {
    Configuration flink = new Configuration();
    options.getOptional(STATE_BACKEND).ifPresent(b -> flink.setString(STATE_BACKEND.key(), b));
    if ("rocksdb".equals(options.getOptional(STATE_BACKEND).orElse(null))) {
      // models kept in blocks look up blocks no update has written yet: without bloom filters each
      // such miss searches every SST file, and frequent checkpoints leave many (ms per record at 20 000 models)
      flink.setString(ROCKSDB_BLOOM_FILTER, "true");
    }
    options.getOptional(CHECKPOINT_DIR).ifPresent(d -> flink.setString(CHECKPOINT_DIR.key(), d));
    if (options.contains(INCREMENTAL)) {
      flink.set(INCREMENTAL, options.get(INCREMENTAL));
    }
    if (options.contains(BUFFER_TIMEOUT)) {
      flink.set(BUFFER_TIMEOUT, options.get(BUFFER_TIMEOUT));
    }
    return flink;
  }

  /** Every option, the job's own first. */
  public Collection<ConfigOption<?>> all() {
    return options.values();
  }

  public List<OpenPrefix> prefixes() {
    return prefixes;
  }

  /**
   * Checks {@code given} against the options (every key known, every value of its type, open
   * prefixes' values checked) and returns them as a typed configuration.
   */
  public Configuration parse(Map<String, String> given) {
    for (Map.Entry<String, String> e : given.entrySet()) {
      String key = e.getKey();
      if (options.containsKey(key)) {
        String stem = key.substring(0, Math.max(0, key.length() - DEPRECATED_MILLIS_SUFFIX.length()));
        if (key.endsWith(DEPRECATED_MILLIS_SUFFIX) && options.containsKey(stem)) {
          LOG.warn("option '{}' is deprecated: use '{}', a duration (e.g. {}={} ms)", key, stem, stem, e.getValue());
        }
        continue;
      }
      OpenPrefix family = prefixes.stream().filter(p -> key.startsWith(p.prefix()) && key.length() > p.prefix().length())
          .findFirst().orElse(null);
      if (family == null) {
        throw new IllegalArgumentException("unknown option '" + key + "'" + suggestion(key)
            + " (`convexstream options` lists every option of every job)");
      }
      try {
        family.check().accept(key.substring(family.prefix().length()), e.getValue());
      } catch (IllegalArgumentException bad) {
        throw new IllegalArgumentException("option '" + key + "': " + bad.getMessage(), bad);
      }
    }
    Configuration conf = Configuration.fromMap(given);
    for (ConfigOption<?> o : options.values()) {
      try {
        conf.get(o);
      } catch (IllegalArgumentException bad) {
        throw new IllegalArgumentException("option '" + o.key() + "' cannot be '" + given.get(o.key()) + "': "
            + "expected " + typeName(o), bad);
      }
    }
    conf.getOptional(STATE_BACKEND).filter(b -> !STATE_BACKENDS.contains(b)).ifPresent(b -> {
      throw new IllegalArgumentException("option '" + STATE_BACKEND.key() + "' cannot be '" + b + "': expected one of " + String.join("|", STATE_BACKENDS));
    });
    return conf;
  }

  private String suggestion(String key) {
    List<String> candidates = new ArrayList<>(options.keySet());
    prefixes.forEach(p -> candidates.add(p.prefix() + "<...>"));
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String c : candidates) {
      int d = editDistance(key.toLowerCase(java.util.Locale.ROOT), c.toLowerCase(java.util.Locale.ROOT));
      if (d < bestDistance) {
        best = c;
        bestDistance = d;
      }
    }
    // a suggestion only when it is plausibly a typo, not an unrelated word
    return best != null && bestDistance <= Math.max(2, key.length() / 3) ? "; did you mean '" + best + "'?" : "";
  }

  /** Levenshtein distance. */
  static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  /** The type of an option's values, in words (every typed option here has a default; the rest are text). */
  public static String typeName(ConfigOption<?> o) {
    Object d = o.hasDefaultValue() ? o.defaultValue() : "";
    if (d instanceof Enum<?> e) {
      List<String> names = new ArrayList<>();
      for (Object v : e.getDeclaringClass().getEnumConstants()) {
        names.add(v.toString().toLowerCase(java.util.Locale.ROOT));
      }
      return "one of " + String.join("|", names);
    }
    if (d instanceof java.time.Duration) {
      return "a duration (e.g. 10 s, 500 ms, 2 min)";
    }
    if (d instanceof Integer || d instanceof Long) {
      return "an integer";
    }
    if (d instanceof Float || d instanceof Double) {
      return "a number";
    }
    return d instanceof Boolean ? "true or false" : "text";
  }

  /** One entry per option: key, type, default, description. */
  public String help() {
    StringBuilder b = new StringBuilder();
    for (ConfigOption<?> o : options.values()) {
      Object d = o.hasDefaultValue() ? o.defaultValue() : null;
      String shown = d instanceof Enum<?> e ? e.name().toLowerCase(java.util.Locale.ROOT) : String.valueOf(d);
      b.append(String.format("  %-26s %s%s%n      %s%n", o.key(), typeName(o), d == null ? "" : ", default " + shown, describe(o)));
    }
    for (OpenPrefix p : prefixes) {
      b.append(String.format("  %-26s%n      %s%n", p.prefix() + "<...>", p.description()));
    }
    return b.toString();
  }

  /** The description's text (every option here is described by one plain sentence or two). */
  private static String describe(ConfigOption<?> o) {
    return o.description().getBlocks().stream()
        .map(block -> block instanceof org.apache.flink.configuration.description.TextElement t ? t.getFormat() : "")
        .reduce("", String::concat);
  }
}
