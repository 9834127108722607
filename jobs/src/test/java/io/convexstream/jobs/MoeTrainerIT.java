package io.convexstream.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PyTorch trainer example against a live router-loads job in low-latency mode: with staleness 0
 * the biases the service publishes equal, bit for bit in float32, those of ALF-LB written in torch
 * and fed the same counts, at every step of every layer, and the two training runs are the same.
 * Needs a python3 with torch and confluent-kafka (Debian: python3-torch, python3-confluent-kafka);
 * without one it is skipped with that line. {@code -Dconvexstream.python=PATH} names the interpreter.
 */
@Tag("slow")
class MoeTrainerIT {
  @RegisterExtension
  static final LocalStack STACK = new LocalStack(4);

  static final Path EXAMPLE = Path.of("..", "clients", "python", "examples", "moe_trainer.py");

  @Test
  void serviceBiasesEqualInProcessAlfLbBitForBit(@TempDir Path dir) throws Exception {
    String python = torchPython();
    Assumptions.assumeTrue(python != null, "skipped: no python3 with torch and confluent-kafka (apt install python3-torch "
        + "python3-confluent-kafka, or -Dconvexstream.python=PATH)");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    Jobs.prepare(env, BalancerJob.loadReports(), new JobSettings(STACK.bootstrap(), "it-moe-trainer", false,
        DeliveryGuarantee.AT_LEAST_ONCE, Duration.ofSeconds(1), 1, Map.of("execution.buffer-timeout.interval", "5ms")));
    JobID job = STACK.flink().submit(env, "it-moe-trainer");
    STACK.flink().awaitRunning(job, 60_000);
    try {
      Path out = dir.resolve("trainer");
      Process p = new ProcessBuilder(python, EXAMPLE.toString(), "--bootstrap", STACK.bootstrap(), "--modes", "local,service",
          "--steps", "40", "--out", out.toString()).redirectErrorStream(true).start();
      String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
      assertThat(p.exitValue()).as("the trainer's exit status; its output:%n%s", log).isZero();
      JsonNode summary = new ObjectMapper().readTree(out.resolveSibling("trainer.json").toFile()).get("summary");
      assertThat(summary.get("service").get("biasesCompared").asInt()).as("40 steps x 2 layers").isEqualTo(80);
      assertThat(summary.get("service").get("biasMismatches").asInt()).isZero();
      assertThat(summary.get("service").get("stalenessMax").asInt()).isZero();
      assertThat(summary.get("serviceEqualsLocal").asBoolean()).as(log).isTrue();
    } finally {
      STACK.flink().cancel(job);
    }
  }

  /** The first interpreter that imports torch and confluent_kafka, or null. */
  static String torchPython() throws IOException, InterruptedException {
    String given = System.getProperty("convexstream.python");
    for (String candidate : given != null ? List.of(given) : List.of("python3", "/usr/bin/python3")) {
      if (!candidate.contains("/") || Files.isExecutable(Path.of(candidate))) {
        try {
          Process p = new ProcessBuilder(candidate, "-c", "import torch, confluent_kafka").redirectErrorStream(true).start();
          p.getInputStream().readAllBytes();
          if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
            return candidate;
          }
        } catch (IOException notThere) {
          // try the next one
        }
      }
    }
    return null;
  }
}
