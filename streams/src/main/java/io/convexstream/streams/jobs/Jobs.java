package io.convexstream.streams.jobs;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** The runnable jobs by name, and how an environment is prepared for them. */
public final class Jobs {
  private Jobs() {}

  public static Map<String, StreamJob> all() {
    Map<String, StreamJob> jobs = new LinkedHashMap<>();
    for (StreamJob j : List.<StreamJob>of(LearnerJob.gradients(), LearnerJob.examples(), BalancerJob.loadReports(), BalancerJob.scoreBatches(), new PortfolioJob())) {
      jobs.put(j.name(), j);
    }
    return jobs;
  }

  public static StreamJob byName(String name) {
    StreamJob job = all().get(name);
    if (job == null) {
      throw new IllegalArgumentException("unknown job '" + name + "'; known: " + all().keySet());
    }
    return job;
  }

  /** Applies the settings every job shares (parallelism, exactly-once checkpoints) and builds the job. */
  public static void prepare(StreamExecutionEnvironment env, StreamJob job, JobSettings s) {
    env.setParallelism(s.parallelism());
    env.enableCheckpointing(s.checkpointInterval().toMillis(), CheckpointingMode.EXACTLY_ONCE);
    job.build(env, s);
  }
}
