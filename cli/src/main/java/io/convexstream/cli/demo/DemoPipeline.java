package io.convexstream.cli.demo;

import io.convexstream.jobs.StreamJob;
import io.convexstream.kafka.Topic;
import io.convexstream.kafka.TopicClient;
import io.convexstream.schemas.DeadLetter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/** One pipeline of the demo: its job and options, the bundled data it feeds, and its report. */
public interface DemoPipeline {
  StreamJob job();

  Map<String, String> options();

  /** The job's input topics: what the bundled recording holds for this pipeline. */
  List<Topic> inputs();

  /**
   * Generates this pipeline's data (seeded, so always the same) into {@code out}, and keeps what
   * its report compares against (losses, optima, unbalanced loads). The demo replays the bundled
   * recording of this data and generates into {@link Feed#NOWHERE}; {@code demo --write-data}
   * generates into Kafka to record it anew.
   */
  void feed(Feed out);

  /** Where generated records go. */
  interface Feed {
    <T extends SpecificRecord> void send(Topic topic, String key, T record);

    void sendRaw(Topic topic, String key, byte[] value);

    Feed NOWHERE = new Feed() {
      @Override
      public <T extends SpecificRecord> void send(Topic topic, String key, T record) {}

      @Override
      public void sendRaw(Topic topic, String key, byte[] value) {}
    };

    static Feed to(TopicClient kafka) {
      return new Feed() {
        @Override
        public <T extends SpecificRecord> void send(Topic topic, String key, T record) {
          kafka.send(topic, key, record);
        }

        @Override
        public void sendRaw(Topic topic, String key, byte[] value) {
          kafka.sendRaw(topic, key, value);
        }
      };
    }
  }

  /** Waits for the job's outputs, prints the results and writes plots. */
  Report report(TopicClient kafka, Path outDir, PrintStream out) throws IOException;

  /** What came out against what had to. */
  record Report(String job, int expectedOutputs, int outputs, int expectedDeadLetters, int deadLetters, List<Path> plots) {
    public boolean complete() {
      return outputs == expectedOutputs && deadLetters == expectedDeadLetters;
    }
  }

  /** This job's dead letters (waits for {@code expected}, then a little longer for any extra). */
  static List<DeadLetter> deadLetters(TopicClient kafka, String job, int expected) {
    return kafka.read(Topic.DEAD_LETTERS, DeadLetter.class, d -> d.getJob().equals(job), expected, Duration.ofSeconds(expected == 0 ? 2 : 30));
  }

  static void printDeadLetters(List<DeadLetter> deadLetters, PrintStream out) {
    out.printf("  dead letters: %d%n", deadLetters.size());
    for (DeadLetter dl : deadLetters) {
      out.printf("    [%s] %s-%d@%d: %s%n", dl.getStage(), dl.getSourceTopic(), dl.getPartition(), dl.getOffset(), dl.getReason());
    }
  }
}
