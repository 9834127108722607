package io.convexstream.cli.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.convexstream.cli.ConvexStreamCli;
import io.convexstream.jobs.JobAccess;
import io.convexstream.jobs.JobSettings;
import io.convexstream.jobs.LearnerJob;
import io.convexstream.kafka.KafkaConnection;
import io.convexstream.kafka.Topic;
import io.convexstream.kafka.TopicAdmin;
import io.convexstream.kafka.TopicClient;
import io.convexstream.local.EmbeddedKafkaBroker;
import io.convexstream.local.FlinkRest;
import io.convexstream.local.LocalFlinkCluster;
import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.ParameterUpdate;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A job on a secured broker (SASL/SCRAM, ACLs, nothing allowed without one) as a least-privilege
 * user: `run` checks the user's access before it submits, the job runs exactly once with only the
 * job's ACLs (JobAccess), and a wrong password, a user without ACLs and a user missing one ACL are
 * each refused by `run` with one line, before anything runs; a client without the right ACL cannot
 * write an input topic.
 */
class SecureKafkaIT {
  @Test
  void aJobRunsWithItsOwnAclsAndNothingElseGetsIn(@TempDir Path dir) throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startSecure(0);
        LocalFlinkCluster flink = LocalFlinkCluster.startTakingJobGraphs(4)) {
      KafkaConnection admin = broker.adminConnection();
      TopicAdmin.createAll(admin);
      String flinkAddress = flink.restAddress().getHost() + ":" + flink.restAddress().getPort();
      JobSettings settings = new JobSettings(admin, "convexstream-secure-gradients", false, DeliveryGuarantee.EXACTLY_ONCE,
          Duration.ofSeconds(1), 2, Map.of(), "secure-gradients");
      List<AclBinding> acls = JobAccess.acls("User:gradients-job", LearnerJob.gradients(), settings);
      broker.createUser("gradients-job", "right-password");
      broker.allow(acls);
      Path job = properties(dir, "job", broker.clientProperties("gradients-job", "right-password"));

      // refused before anything runs, one line each
      Path wrong = properties(dir, "wrong", broker.clientProperties("gradients-job", "wrong-password"));
      assertThat(fails("run", "--bootstrap", broker.bootstrapServers(), "--kafka-config", wrong.toString(), "--job", "gradients",
          "--flink", flinkAddress, "--name", "secure-gradients"))
          .startsWith("error: the Kafka cluster at " + broker.bootstrapServers() + " refuses this client").contains("Authentication failed")
          .doesNotContain("wrong-password");
      broker.createUser("no-acls", "pw-no-acls");
      assertThat(fails("run", "--bootstrap", broker.bootstrapServers(), "--kafka-config",
          properties(dir, "no-acls", broker.clientProperties("no-acls", "pw-no-acls")).toString(), "--job", "gradients",
          "--flink", flinkAddress, "--name", "secure-gradients"))
          .isEqualTo("error: the Kafka cluster at " + broker.bootstrapServers() + " does not let this client [READ convexstream.gradients, "
              + "WRITE convexstream.parameters, WRITE convexstream.dead-letters]; grant its user the ACLs it needs (docs/SECURITY.md)");
      broker.createUser("almost", "pw-almost");
      broker.allow(JobAccess.acls("User:almost", LearnerJob.gradients(), settings).stream()
          .filter(b -> !(b.pattern().name().equals(Topic.PARAMETERS.topicName()) && b.entry().operation() == AclOperation.WRITE)).toList());
      assertThat(fails("run", "--bootstrap", broker.bootstrapServers(), "--kafka-config",
          properties(dir, "almost", broker.clientProperties("almost", "pw-almost")).toString(), "--job", "gradients",
          "--flink", flinkAddress, "--name", "secure-gradients"))
          .isEqualTo("error: the Kafka cluster at " + broker.bootstrapServers() + " does not let this client [WRITE convexstream.parameters]; "
              + "grant its user the ACLs it needs (docs/SECURITY.md)");
      assertThat(flink.restAddress()).isNotNull();
      assertThat(new FlinkRest(flink.restAddress()).unfinishedJobsNamed("convexstream secure-gradients")).isEmpty();
      // the clients check the same way before their first record: one line, in seconds
      Path record = Files.writeString(dir.resolve("g.json"), "{\"modelId\":\"x\",\"step\":1,\"producerId\":\"p\",\"gradient\":{\"dim\":1,"
          + "\"indices\":null,\"values\":[0.5]},\"loss\":null,\"comparatorLoss\":null,\"eventTime\":1}\n");
      assertThat(fails("produce", "--bootstrap", broker.bootstrapServers(), "--kafka-config", wrong.toString(), "--topic", "gradients",
          "--file", record.toString())).startsWith("error: the Kafka cluster at " + broker.bootstrapServers() + " refuses this client");
      assertThat(fails("produce", "--bootstrap", broker.bootstrapServers(), "--kafka-config", job.toString(), "--topic", "gradients",
          "--file", record.toString())).isEqualTo("error: the Kafka cluster at " + broker.bootstrapServers()
              + " does not let this client [WRITE convexstream.gradients]; grant its user the ACLs it needs (docs/SECURITY.md)");
      assertThat(fails("consume", "--bootstrap", broker.bootstrapServers(), "--kafka-config", job.toString(), "--topic", "parameters"))
          .isEqualTo("error: the Kafka cluster at " + broker.bootstrapServers()
              + " does not let this client [READ convexstream.parameters]; grant its user the ACLs it needs (docs/SECURITY.md)");
      assertThat(fails("consume", "--bootstrap", broker.bootstrapServers(), "--topic", "parameters"))
          .isEqualTo("error: no Kafka broker answers at " + broker.bootstrapServers() + " within 10 s");

      // the least-privilege user runs the job; the admin feeds and reads it
      StringWriter out = new StringWriter();
      CommandLine cli = ConvexStreamCli.commandLine();
      cli.setOut(new PrintWriter(out));
      assertThat(cli.execute("run", "--bootstrap", broker.bootstrapServers(), "--kafka-config", job.toString(), "--job", "gradients",
          "--flink", flinkAddress, "--name", "secure-gradients", "--checkpoint-interval", "PT0.5S", "--set", "learner=ogd")).isZero();
      try (TopicClient kafka = new TopicClient(admin)) {
        for (long t = 1; t <= 20; t++) {
          kafka.send(Topic.GRADIENTS, "secure", new Gradient("secure", t, "w", new NumericVector(2, null, List.of(0.1, -0.1)), null, null,
              Instant.EPOCH));
        }
        kafka.flush();
        List<ParameterUpdate> published = kafka.read(Topic.PARAMETERS, ParameterUpdate.class, u -> u.getModelId().equals("secure"), 20,
            Duration.ofSeconds(60));
        assertThat(published).extracting(ParameterUpdate::getVersion).containsExactlyElementsOf(
            java.util.stream.LongStream.rangeClosed(1, 20).boxed().toList()); // read_committed: exactly once
      }
      FlinkRest rest = new FlinkRest(flink.restAddress());
      String id = rest.unfinishedJobsNamed("convexstream secure-gradients").get(0);
      assertThat(rest.get("/jobs/" + id + "/exceptions").get("exceptionHistory").get("entries")).isEmpty();

      // the job's user may not write its own input; a client without credentials gets no answer at all
      try (TopicClient asJob = new TopicClient(broker.connection("gradients-job", "right-password"))) {
        asJob.send(Topic.GRADIENTS, "secure", new Gradient("secure", 21L, "w", new NumericVector(2, null, List.of(0.1, -0.1)), null, null,
            Instant.EPOCH));
        assertThatThrownBy(asJob::flush).hasMessageContaining("Not authorized to access topics: [convexstream.gradients]");
      }
      assertThat(fails("run", "--bootstrap", broker.bootstrapServers(), "--job", "gradients", "--flink", flinkAddress, "--name", "anon"))
          .isEqualTo("error: no Kafka broker answers at " + broker.bootstrapServers() + " within 10 s");
    }
  }

  /**
   * Every job runs as the user `broker --secure` would give it (JobAccess's defaults: read its input,
   * write its outputs and the dead letters, its group and transactional ids) and publishes what a few
   * inputs call for, read back read_committed by the admin.
   */
  @Test
  void everyJobRunsAsItsOwnLeastPrivilegeUser(@TempDir Path dir) throws Exception {
    Instant t0 = Instant.parse("2026-01-05T00:00:00Z");
    record Case(String job, List<String> options, Topic output, String key, int expected, Runnable feed) {}
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startSecure(0);
        LocalFlinkCluster flink = LocalFlinkCluster.startTakingJobGraphs(4);
        TopicClient admin = new TopicClient(broker.adminConnection())) {
      TopicAdmin.createAll(broker.adminConnection());
      String flinkAddress = flink.restAddress().getHost() + ":" + flink.restAddress().getPort();
      List<Case> cases = List.of(
          new Case("examples", List.of("learner=ogd", "loss=logistic"), Topic.PARAMETERS, "e", 3, () -> {
            for (long t = 1; t <= 3; t++) {
              admin.send(Topic.EXAMPLES, "e", new io.convexstream.schemas.LabelledExample("e", t, "w", new NumericVector(2, null, List.of(1.0, 0.5)),
                  1.0, 1.0, null, t0));
            }
          }),
          new Case("router-loads", List.of(), Topic.EXPERT_BIASES, "moe/0", 3, () -> {
            for (long step = 1; step <= 3; step++) {
              admin.send(Topic.ROUTER_LOADS, "moe/0", new io.convexstream.schemas.RouterLoadReport("moe", 0, step, 0, 1, List.of(5L, 1L, 2L), -1L,
                  t0));
            }
          }),
          new Case("router-scores", List.of("topK=1"), Topic.EXPERT_BIASES, "moe2/0", 3, () -> {
            for (long step = 1; step <= 3; step++) {
              admin.send(Topic.ROUTER_SCORES, "moe2/0", new io.convexstream.schemas.RouterScoreBatch("moe2", 0, step, 0, 1, 2, 2,
                  List.of(1.0f, 0.0f, 0.5f, 0.2f), t0));
            }
          }),
          new Case("portfolio", List.of("portfolio.id=sec", "portfolio.assets=A,B", "portfolio.strategies=ucrp"), Topic.PORTFOLIO_DECISIONS, "sec", 3,
              () -> {
                for (int day = 0; day < 3; day++) {
                  for (String a : List.of("A", "B")) {
                    Instant start = t0.plus(Duration.ofDays(day));
                    admin.send(Topic.MARKET_BARS, a, new io.convexstream.schemas.MarketBar(a, start, start.plus(Duration.ofDays(1)), 10.0 + day,
                        10.0 + day, 10.0 + day, 10.0 + day, 1.0));
                  }
                }
              }));
      Map<String, List<AclBinding>> users = JobAccess.defaultUsers();
      for (Case c : cases) {
        String user = "convexstream-" + c.job();
        broker.createUser(user, "pw-" + c.job());
        broker.allow(users.get(user));
        List<String> args = new java.util.ArrayList<>(List.of("run", "--bootstrap", broker.bootstrapServers(), "--kafka-config",
            properties(dir, user, broker.clientProperties(user, "pw-" + c.job())).toString(), "--job", c.job(),
            "--flink", flinkAddress, "--checkpoint-interval", "PT0.5S"));
        c.options().forEach(o -> {
          args.add("--set");
          args.add(o);
        });
        assertThat(ConvexStreamCli.commandLine().execute(args.toArray(String[]::new))).as(c.job()).isZero();
        c.feed().run();
        admin.flush();
        @SuppressWarnings("unchecked")
        Class<org.apache.avro.specific.SpecificRecord> type = (Class<org.apache.avro.specific.SpecificRecord>) c.output().recordType();
        List<org.apache.avro.specific.SpecificRecord> out = admin.read(c.output(), type, r -> c.output().keyOf(r).equals(c.key()),
            c.expected(), Duration.ofSeconds(60));
        assertThat(out).as("%s's outputs, read_committed", c.job()).hasSizeGreaterThanOrEqualTo(c.expected());
        FlinkRest rest = new FlinkRest(flink.restAddress());
        String id = rest.unfinishedJobsNamed("convexstream " + c.job()).get(0);
        assertThat(rest.get("/jobs/" + id + "/exceptions").get("exceptionHistory").get("entries")).as(c.job()).isEmpty();
        flink.cancel(org.apache.flink.api.common.JobID.fromHexString(id));
      }
    }
  }

  private static Path properties(Path dir, String name, Map<String, String> props) throws Exception {
    Properties p = new Properties();
    p.putAll(props);
    Path file = dir.resolve(name + ".properties");
    try (var out = Files.newBufferedWriter(file)) {
      p.store(out, null);
    }
    return file;
  }

  private static String fails(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cli = ConvexStreamCli.commandLine();
    cli.setErr(new PrintWriter(err));
    assertThat(cli.execute(args)).as("exit code of %s", List.of(args)).isEqualTo(2);
    return err.toString().strip();
  }
}
