package io.convexstream.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a job ships is this module's classes and runtime classpath (deploy/collect-jars.sh copies
 * them to usrlib/): the jobs and their Kafka connectors, but no Kafka broker, local cluster, Kafka
 * Streams serving view, command line or plots. The classes are loaded from exactly that classpath
 * (written by the build to target/runtime.classpath), not from the tests' own, which holds the
 * broker for the pipeline tests.
 */
class JobClasspathTest {
  static URLClassLoader jobJar;

  @BeforeAll
  static void loadTheRuntimeClasspath() throws IOException {
    List<URL> urls = new ArrayList<>();
    urls.add(Path.of("target", "classes").toUri().toURL());
    for (String jar : Files.readString(Path.of("target", "runtime.classpath")).strip().split(File.pathSeparator)) {
      urls.add(toUrl(jar));
    }
    jobJar = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
  }

  @AfterAll
  static void close() throws IOException {
    jobJar.close();
  }

  private static URL toUrl(String jar) {
    try {
      return Path.of(jar).toUri().toURL();
    } catch (MalformedURLException e) {
      throw new IllegalArgumentException(jar, e);
    }
  }

  @Test
  void jobsAndTheirConnectorsAreThere() throws Exception {
    assertThat(Class.forName("io.convexstream.jobs.ClusterMain", false, jobJar).getMethod("main", String[].class)).isNotNull();
    assertThat(Class.forName("org.apache.flink.connector.kafka.sink.KafkaSink", false, jobJar)).isNotNull();
    assertThat(Class.forName("io.convexstream.flink.omd.LearnerFunction", false, jobJar)).isNotNull();
    assertThat(Jobs.all()).containsKeys("gradients", "examples", "router-loads", "portfolio");
  }

  @Test
  void noBrokerLocalClusterServingViewOrCommandLine() {
    for (String absent : new String[] {
        "kafka.server.KafkaRaftServer", // the broker (kafka_2.13, Scala)
        "io.convexstream.local.EmbeddedKafkaBroker",
        "io.convexstream.local.LocalFlinkCluster",
        "org.apache.flink.runtime.webmonitor.WebSubmissionExtension", // the web UI: Flink's distribution has it
        "org.apache.kafka.streams.KafkaStreams", // the serving view's engine, with RocksDB's natives
        "io.convexstream.serving.ServingView",
        "io.convexstream.cli.ConvexStreamCli",
        "org.knowm.xchart.XYChart"}) {
      assertThatThrownBy(() -> Class.forName(absent, false, jobJar)).as(absent).isInstanceOf(ClassNotFoundException.class);
    }
  }
}
