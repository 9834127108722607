package io.convexstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.convexstream.kafka.Topic;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.schemas.codec.AvroCodec;
import io.convexstream.schemas.codec.DecodeException;
import io.convexstream.schemas.publication.ParameterAssembler;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "consume",
    mixinStandardHelpOptions = true,
    description = {
        "Print a topic's records as JSON lines.",
        "",
        "Each record in Avro's JSON encoding of its type (what `produce` reads). Parameters come out",
        "reconstructed: one line per complete version of a model, {modelId, runEpoch, version, step,",
        "eventTime, parameters: [all dim values], metrics}, assembled from snapshots, deltas and",
        "chunks (--raw prints the records as they are). Starts at the end of each partition, or at",
        "the beginning with --from-beginning; stops at the end offsets of the start unless --follow",
        "(without --from-beginning it always follows). Records that do not decode are reported on",
        "standard error with partition and offset. Like Kafka's console consumer it reads",
        "uncommitted records too; --read-committed shows only what exactly-once jobs committed.",
        ""})
final class ConsumeCommand implements Callable<Integer> {
  @picocli.CommandLine.Mixin
  io.convexstream.kafka.KafkaOptions kafkaOptions;

  @Option(names = "--topic", required = true, description = "Topic: full name or short (parameters, expert-biases, portfolio-decisions, ...).")
  String topic;

  @Option(names = "--from-beginning", description = "Start at the beginning of each partition (default: at the end).")
  boolean fromBeginning;

  @Option(names = "--follow", description = "Keep reading new records (until interrupted or --max).")
  boolean follow;

  @Option(names = "--read-committed", description = "Only records of committed transactions (what exactly-once outputs are).")
  boolean readCommitted;

  @Option(names = "--max", defaultValue = "-1", description = "Stop after this many lines (default: no limit).")
  long max;

  @Option(names = "--metadata", description = "Wrap each line as {topic, partition, offset, timestamp, key, value}.")
  boolean metadata;

  @Option(names = "--raw", description = "Parameters: print the published records, not the reconstructed vectors.")
  boolean raw;

  @Spec
  CommandSpec spec;

  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public Integer call() throws Exception {
    Topic t = Topic.named(topic);
    @SuppressWarnings("unchecked")
    AvroCodec<SpecificRecord> codec = (AvroCodec<SpecificRecord>) AvroCodec.of(t.recordType());
    boolean assemble = t == Topic.PARAMETERS && !raw;
    ParameterAssembler assembler = new ParameterAssembler();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    boolean keepGoing = follow || !fromBeginning;
    long printed = 0;
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(kafkaOptions.checkedConnection(List.of(t), List.of()))) {
      List<TopicPartition> partitions = consumer.partitionsFor(t.topicName()).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      consumer.assign(partitions);
      if (fromBeginning) {
        consumer.seekToBeginning(partitions);
      } else {
        consumer.seekToEnd(partitions);
      }
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      while (max < 0 || printed < max) {
        if (!keepGoing && partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p))) {
          break;
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          SpecificRecord value;
          try {
            value = codec.decode(r.value());
          } catch (DecodeException e) {
            err.println(r.topic() + "/" + r.partition() + "@" + r.offset() + ": " + e.getMessage());
            continue;
          }
          String json;
          if (assemble) {
            ParameterAssembler.Model m = assembler.accept((ParameterUpdate) value);
            if (m == null) {
              continue; // a chunk, or a delta before its base version
            }
            json = JSON.writeValueAsString(parameters(m));
          } else {
            json = codec.encodeJson(value);
          }
          out.println(metadata ? envelope(r, json) : json);
          if (++printed == max) {
            break;
          }
        }
        out.flush();
      }
    }
    out.flush();
    err.flush();
    return 0;
  }

  private static Map<String, Object> parameters(ParameterAssembler.Model m) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("modelId", m.modelId());
    o.put("runEpoch", m.runEpoch());
    o.put("version", m.version());
    o.put("step", m.step());
    o.put("eventTime", m.eventTime().toEpochMilli());
    o.put("parameters", m.parameters());
    o.put("metrics", m.metrics());
    return o;
  }

  private static String envelope(ConsumerRecord<byte[], byte[]> r, String valueJson) throws Exception {
    String key = r.key() == null ? "null" : JSON.writeValueAsString(new String(r.key(), StandardCharsets.UTF_8));
    return "{\"topic\":" + JSON.writeValueAsString(r.topic()) + ",\"partition\":" + r.partition() + ",\"offset\":" + r.offset()
        + ",\"timestamp\":" + r.timestamp() + ",\"key\":" + key + ",\"value\":" + valueJson + "}";
  }

  private KafkaConsumer<byte[], byte[]> consumer(io.convexstream.kafka.KafkaConnection kafka) {
    return new KafkaConsumer<>(kafka.config(Map.of(
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted",
        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(Topic.MAX_MESSAGE_BYTES))),
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }
}
