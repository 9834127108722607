package io.convexstream.cli;

import io.convexstream.kafka.Topic;
import io.convexstream.kafka.TopicClient;
import io.convexstream.schemas.codec.AvroCodec;
import io.convexstream.schemas.codec.DecodeException;
import io.convexstream.schemas.validate.RecordChecks;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.avro.specific.SpecificRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "produce",
    mixinStandardHelpOptions = true,
    description = {
        "Send JSON lines to a topic, in the wire format.",
        "",
        "Each line is one record in Avro's JSON encoding of the topic's type (what `consume` prints):",
        "unions as null or {\"double\": 1.5}, timestamps as epoch milliseconds; fields with defaults",
        "may be left out. It is checked as the topic's job checks it, encoded (C3 01, fingerprint,",
        "Avro binary) and sent with the topic's key (e.g. modelId, or modelId/layer). A line that",
        "does not decode or fails the check is reported with its number and not sent; the exit",
        "code is then 1. Blank lines are skipped. Input: --file, or standard input.",
        ""})
final class ProduceCommand implements Callable<Integer> {
  @picocli.CommandLine.Mixin
  io.convexstream.kafka.KafkaOptions kafkaOptions;

  @Option(names = "--topic", required = true, description = "Topic: full name or short (gradients, router-loads, market-bars, ...).")
  String topic;

  @Option(names = "--file", description = "JSON-lines file (default: standard input).")
  Path file;

  @Option(names = "--check", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Check each record as its job would before sending (default: on; --no-check sends records a job will dead-letter).")
  boolean check;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Topic t = Topic.named(topic);
    AvroCodec<? extends SpecificRecord> codec = AvroCodec.of(t.recordType());
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    long sent = 0;
    long refused = 0;
    try (BufferedReader in = file == null ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
        : Files.newBufferedReader(file);
        TopicClient kafka = new TopicClient(kafkaOptions.checkedConnection(List.of(), List.of(t)))) {
      String line;
      long n = 0;
      while ((line = in.readLine()) != null) {
        n++;
        if (line.isBlank()) {
          continue;
        }
        String problem;
        SpecificRecord record = null;
        try {
          record = codec.decodeJson(line.getBytes(StandardCharsets.UTF_8));
          problem = check ? RecordChecks.problem(record) : null;
        } catch (DecodeException e) {
          problem = e.getMessage();
        }
        if (problem != null) {
          err.println("line " + n + ": " + problem);
          refused++;
          continue;
        }
        kafka.send(t, t.keyOf(record), record);
        sent++;
      }
      kafka.flush();
    }
    out.println("sent " + sent + " records to " + t.topicName() + (refused > 0 ? ", refused " + refused : ""));
    out.flush();
    err.flush();
    return refused > 0 ? 1 : 0;
  }
}
