package io.convexstream.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * What a job ships is this module's runtime classpath (deploy/collect-jars.sh copies it to usrlib/):
 * the jobs and their Kafka connectors, but no Kafka broker, Kafka Streams serving view, plots or
 * demo. This test's classpath holds that runtime classpath plus JUnit, so a class missing here is
 * missing from the job jar.
 */
class JobClasspathTest {

  @Test
  void jobsAndTheirConnectorsAreThere() throws Exception {
    assertThat(Class.forName("io.convexstream.jobs.ClusterMain").getMethod("main", String[].class)).isNotNull();
    assertThat(Class.forName("org.apache.flink.connector.kafka.sink.KafkaSink")).isNotNull();
    assertThat(Jobs.all()).containsKeys("gradients", "examples", "router-loads", "portfolio");
  }

  @Test
  void noBrokerServingViewOrCommandLineTools() {
    for (String absent : new String[] {
        "kafka.server.KafkaRaftServer", // the broker (kafka_2.13, Scala)
        "io.convexstream.local.EmbeddedKafkaBroker",
        "org.apache.kafka.streams.KafkaStreams", // the serving view's engine, with RocksDB's natives
        "io.convexstream.streams.cli.ConvexStreamCli",
        "org.knowm.xchart.XYChart"}) {
      assertThatThrownBy(() -> Class.forName(absent)).as(absent).isInstanceOf(ClassNotFoundException.class);
    }
  }
}
