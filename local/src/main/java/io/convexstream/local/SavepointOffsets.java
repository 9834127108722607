package io.convexstream.local;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplit;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplitSerializer;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.io.SimpleVersionedSerialization;
import org.apache.flink.core.memory.DataInputViewStreamWrapper;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.state.OperatorStateHandle;
import org.apache.kafka.common.TopicPartition;

/**
 * The Kafka offsets a savepoint (or retained checkpoint) covers: where each Kafka source's splits
 * resume, read from the sources' operator state ({@code SourceReaderState}: each split serialized
 * with its version). What the consumer group should hold once a job stopped with that savepoint:
 * the sources commit offsets asynchronously after a checkpoint, and the commit of the last one is
 * lost when the job finishes right after it.
 */
public final class SavepointOffsets {
  /** The operator state in which a source operator keeps its reader's splits. */
  private static final String SPLITS_STATE = "SourceReaderState";

  private SavepointOffsets() {}

  /** The next offset to read per partition of every Kafka source in the savepoint at {@code directory}. */
  public static Map<TopicPartition, Long> of(Path directory) throws IOException {
    CheckpointMetadata metadata;
    try (DataInputStream in = new DataInputStream(Files.newInputStream(directory.resolve("_metadata")))) {
      metadata = Checkpoints.loadCheckpointMetadata(in, SavepointOffsets.class.getClassLoader(), directory.toUri().toString());
    }
    Map<TopicPartition, Long> offsets = new TreeMap<>(java.util.Comparator.comparing(TopicPartition::toString));
    KafkaPartitionSplitSerializer splits = new KafkaPartitionSplitSerializer();
    for (OperatorState operator : metadata.getOperatorStates()) {
      for (OperatorSubtaskState subtask : operator.getSubtaskStates().values()) {
        for (OperatorStateHandle handle : subtask.getManagedOperatorState()) {
          OperatorStateHandle.StateMetaInfo info = handle.getStateNameToPartitionOffsets().get(SPLITS_STATE);
          if (info == null) {
            continue;
          }
          try (FSDataInputStream stream = handle.openInputStream()) {
            DataInputViewStreamWrapper view = new DataInputViewStreamWrapper(stream);
            for (long at : info.getOffsets()) {
              stream.seek(at);
              byte[] bytes = BytePrimitiveArraySerializer.INSTANCE.deserialize(view);
              KafkaPartitionSplit split;
              try {
                split = SimpleVersionedSerialization.readVersionAndDeSerialize(splits, bytes);
              } catch (IOException | RuntimeException e) {
                break; // the splits of a source that is not Kafka's (a recording's)
              }
              if (split.getStartingOffset() >= 0) { // else a marker (earliest, committed): nothing read yet
                offsets.put(split.getTopicPartition(), split.getStartingOffset());
              }
            }
          }
        }
      }
    }
    return offsets;
  }
}
