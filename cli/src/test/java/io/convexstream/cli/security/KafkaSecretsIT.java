package io.convexstream.cli.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.cli.ConvexStreamCli;
import io.convexstream.jobs.JobSettings;
import io.convexstream.jobs.Jobs;
import io.convexstream.jobs.LearnerJob;
import io.convexstream.jobs.LocalStack;
import io.convexstream.kafka.KafkaConnection;
import io.convexstream.kafka.Topic;
import io.convexstream.kafka.TopicClient;
import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.ParameterUpdate;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka client properties reach every client of a job (its source's consumer, its sinks' producers,
 * the admin clients of `run`) while the secret among them shows nowhere: not in the job's Flink
 * configuration, parameters or plan on the REST API, not in any log line of the run, not in
 * `run --dry-run`. The properties name a JAAS login with a known password on a PLAINTEXT listener,
 * where Kafka parses but does not use it, so the run itself works and its outputs can be checked.
 */
class KafkaSecretsIT {
  @RegisterExtension
  static final LocalStack STACK = new LocalStack(4);
  private static final String SECRET = "pw-7c1e-convexstream-secret";

  @Test
  void clientPropertiesReachEveryClientAndTheSecretShowsNowhere(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("kafka.properties");
    Files.writeString(file, "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"job\" password=\""
        + SECRET + "\";\nclient.dns.lookup=use_all_dns_ips\n");
    KafkaConnection kafka = KafkaConnection.of(STACK.bootstrap(), file, Map.of());

    ConcurrentLinkedQueue<String> logs = new ConcurrentLinkedQueue<>();
    LoggerContext context = (LoggerContext) org.apache.logging.log4j.LogManager.getContext(false);
    AbstractAppender capture = new AbstractAppender("capture-secrets", null, null, true, Property.EMPTY_ARRAY) {
      @Override
      public void append(LogEvent event) {
        logs.add(event.getLoggerName() + " " + event.getMessage().getFormattedMessage());
      }
    };
    capture.start();
    context.getConfiguration().addAppender(capture);
    context.getRootLogger().addAppender(capture);
    Level before = context.getRootLogger().getLevel();
    Configurator.setAllLevels("org.apache.kafka", Level.INFO);
    Configurator.setRootLevel(Level.INFO);
    try {
      // --dry-run prints the plan with the properties, the secret masked
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      PrintStream stdout = System.out;
      System.setOut(new PrintStream(out, true));
      try {
        assertThat(ConvexStreamCli.commandLine().execute("run", "--bootstrap", STACK.bootstrap(), "--kafka-config", file.toString(),
            "--job", "gradients", "--dry-run")).isZero();
      } finally {
        System.setOut(stdout);
      }
      assertThat(out.toString()).contains("sasl.jaas.config=[hidden]", "client.dns.lookup=use_all_dns_ips").doesNotContain(SECRET)
          .contains(", group convexstream-gradients, delivery exactly-once, checkpoints every PT2S");

      StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
      Jobs.prepare(env, LearnerJob.gradients(), new JobSettings(kafka, "it-secrets", false, DeliveryGuarantee.EXACTLY_ONCE,
          Duration.ofMillis(300), 1, Map.of("learner", "ogd", "autoCreate", "true"), "it-secrets"));
      var id = STACK.flink().submit(env, "it-secrets");
      STACK.flink().awaitRunning(id, 60_000);
      try (TopicClient client = new TopicClient(kafka)) {
        for (long t = 1; t <= 3; t++) {
          client.send(Topic.GRADIENTS, "secret-model", new Gradient("secret-model", t, "w", new NumericVector(1, null, List.of(0.1)), null, null,
              Instant.EPOCH));
        }
        client.flush();
        assertThat(client.read(Topic.PARAMETERS, ParameterUpdate.class, u -> u.getModelId().equals("secret-model"), 3, Duration.ofSeconds(60)))
            .hasSize(3);
      }
      for (String path : List.of("/jobs/" + id + "/config", "/jobs/" + id + "/plan", "/jobs/" + id, "/jobmanager/config",
          "/jobs/" + id + "/checkpoints/config")) {
        assertThat(STACK.flink().rest(path).toString()).as(path).doesNotContain(SECRET);
      }
      STACK.flink().cancel(id);
    } finally {
      context.getRootLogger().removeAppender(capture);
      Configurator.setRootLevel(before);
      Configurator.setAllLevels("org.apache.kafka", Level.ERROR);
    }
    // the job's consumer and producers and the test's clients logged their configs: with the property, without its value
    assertThat(logs).anyMatch(l -> l.contains("ConsumerConfig") && l.contains("sasl.jaas.config = [hidden]") && l.contains("group.id = it-secrets"));
    assertThat(logs).anyMatch(l -> l.contains("ProducerConfig") && l.contains("sasl.jaas.config = [hidden]")
        && l.contains("transactional.id = convexstream-it-secrets-"));
    assertThat(logs).anyMatch(l -> l.contains("AdminClientConfig") && l.contains("sasl.jaas.config = [hidden]"));
    assertThat(logs).noneMatch(l -> l.contains(SECRET));
  }
}
