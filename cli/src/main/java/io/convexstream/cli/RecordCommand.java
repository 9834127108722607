package io.convexstream.cli;

import io.convexstream.kafka.recording.Recorder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "record",
    mixinStandardHelpOptions = true,
    description = {
        "Record Kafka topics into a recording directory.",
        "",
        "One Avro container file per topic: key, value bytes, timestamp, partition, offset, headers",
        "and the value's schema fingerprint, from the beginning of each partition to its end offset",
        "now (read_committed).",
        ""})
final class RecordCommand implements Callable<Integer> {
  @picocli.CommandLine.Mixin
  io.convexstream.kafka.KafkaOptions kafkaOptions;

  @Option(names = "--topics", required = true, split = ",", description = "Topics to record, comma separated.")
  List<String> topics;

  @Option(names = "--out", required = true, description = "Recording directory (created if missing).")
  Path out;

  @Option(names = "--timeout", defaultValue = "PT5M", description = "Give up if a topic cannot be read to its end within this (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Override
  public Integer call() throws Exception {
    List<io.convexstream.kafka.Topic> known = topics.stream().filter(RecordCommand::inCatalogue)
        .map(io.convexstream.kafka.Topic::named).toList(); // others (a serving view's changelogs) are read as they come
    Recorder.record(kafkaOptions.checkedConnection(known, List.of()), topics, out, timeout)
        .forEach((topic, n) -> System.out.printf("recorded %d messages of %s into %s%n", n, topic, out));
    return 0;
  }

  private static boolean inCatalogue(String name) {
    try {
      io.convexstream.kafka.Topic.named(name);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
