package io.convexstream.connectors.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.flink.RawRecord;
import org.junit.jupiter.api.Test;

class DecodeHandoffTest {
  private static RawRecord at(String topic, int partition, long offset) {
    return new RawRecord(topic, partition, offset, 0, null, new byte[0]);
  }

  @Test
  void theDecodeStepTakesTheSourcesValueOnlyForThatVeryRecordAndOnlyOnce() {
    DecodeHandoff.put("t", 1, 42, "decoded");
    assertThat(DecodeHandoff.take(at("t", 1, 41), String.class)).as("another offset").isNull();
    DecodeHandoff.put("t", 1, 42, "decoded");
    assertThat(DecodeHandoff.take(at("t", 2, 42), String.class)).as("another partition").isNull();
    DecodeHandoff.put("t", 1, 42, "decoded");
    assertThat(DecodeHandoff.take(at("u", 1, 42), String.class)).as("another topic").isNull();
    DecodeHandoff.put("t", 1, 42, "decoded");
    assertThat(DecodeHandoff.take(at("t", 1, 42), Integer.class)).as("another type").isNull();
    DecodeHandoff.put("t", 1, 42, "decoded");
    assertThat(DecodeHandoff.take(at("t", 1, 42), String.class)).isEqualTo("decoded");
    assertThat(DecodeHandoff.take(at("t", 1, 42), String.class)).as("taken once").isNull();
  }

  @Test
  void eachThreadHasItsOwnSlot() throws InterruptedException {
    DecodeHandoff.put("t", 0, 7, "here");
    String[] seen = new String[1];
    Thread other = new Thread(() -> seen[0] = DecodeHandoff.take(at("t", 0, 7), String.class));
    other.start();
    other.join();
    assertThat(seen[0]).isNull();
    assertThat(DecodeHandoff.take(at("t", 0, 7), String.class)).isEqualTo("here");
  }
}
