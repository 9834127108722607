package io.convexstream.jobs;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** A runnable pipeline: it adds its operators to an environment. */
public interface StreamJob {
  /** Short name used on the command line and as the Flink job name prefix. */
  String name();

  /** One line for {@code --help}. */
  String description();

  /** The options ({@code --set KEY=VALUE}) this job takes; {@link Jobs#prepare} checks them before building. */
  JobOptions options();

  /** The topics it reads with these (checked) options. */
  java.util.List<io.convexstream.kafka.Topic> inputs(java.util.Map<String, String> options);

  /** The topics it writes, besides the dead letters every job writes. */
  java.util.List<io.convexstream.kafka.Topic> outputs();

  /** Every topic it writes: its outputs and the dead letters. */
  default java.util.List<io.convexstream.kafka.Topic> writes() {
    java.util.List<io.convexstream.kafka.Topic> all = new java.util.ArrayList<>(outputs());
    all.add(io.convexstream.kafka.Topic.DEAD_LETTERS);
    return all;
  }

  /** Adds sources, operators and sinks to {@code env} (checkpointing is set by the caller). */
  void build(StreamExecutionEnvironment env, JobSettings settings);
}
