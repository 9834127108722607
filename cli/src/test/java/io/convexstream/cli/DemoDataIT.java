package io.convexstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.kafka.recording.Recording;
import io.convexstream.schemas.RecordedMessage;
import io.convexstream.schemas.codec.AvroCodec;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo replays its bundled recording (demo/recording) and compares the jobs' outputs with what
 * its generators know (optima, unbalanced loads, prices). This checks the two agree: generating
 * the data anew gives, topic by topic, the recorded messages (partition, key, value bytes; not the
 * wall-clock Kafka timestamps).
 */
class DemoDataIT {
  @Test
  void bundledRecordingIsWhatTheGeneratorsMake(@TempDir Path dir) throws Exception {
    Path bundled = Path.of("..", "demo", "recording");
    DemoCommand.writeData(dir, System.out);
    List<String> topics = Recording.topics(bundled);
    assertThat(Recording.topics(dir)).containsExactlyInAnyOrderElementsOf(topics).hasSize(6);
    for (String topic : topics) {
      List<String> made = messages(Recording.read(Recording.file(dir, topic)));
      assertThat(made).as(topic).isNotEmpty().isEqualTo(messages(Recording.read(Recording.file(bundled, topic))));
    }
  }

  private static List<String> messages(List<RecordedMessage> recorded) {
    // per partition in offset order (the file interleaves partitions by wall-clock timestamps)
    return recorded.stream()
        .sorted(java.util.Comparator.comparing(RecordedMessage::getPartition).thenComparing(RecordedMessage::getOffset))
        .map(m -> m.getPartition() + "/" + m.getOffset() + " " + hex(m.getKey()) + " " + hex(m.getValue()))
        .toList();
  }

  private static String hex(java.nio.ByteBuffer b) {
    return b == null ? "-" : java.util.HexFormat.of().formatHex(AvroCodec.bytes(b));
  }
}
