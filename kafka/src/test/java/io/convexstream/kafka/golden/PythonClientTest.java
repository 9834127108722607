package io.convexstream.kafka.golden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Runs the Python client's own tests (standard-library unittest, no Kafka) so that its codec stays
 * checked against the golden vectors {@link GoldenVectorsTest} writes. python3 is required: the
 * client is part of what a build vouches for. {@code -DskipPythonTests} skips them, saying so.
 */
class PythonClientTest {
  static final Path CLIENT = Path.of("..", "clients", "python");

  @Test
  void thePythonClientsTestsPass() throws IOException, InterruptedException {
    Assumptions.assumeFalse(Boolean.getBoolean("skipPythonTests"),
        "the Python client's tests are skipped (-DskipPythonTests)");
    ProcessBuilder builder = new ProcessBuilder("python3", "-m", "unittest", "discover", "-s", "tests")
        .directory(CLIENT.toFile()).redirectErrorStream(true);
    builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
    Process python;
    try {
      python = builder.start();
    } catch (IOException notFound) {
      fail("python3 is not on the PATH: the Python client's tests need it (e.g. apt install python3), "
          + "or skip them with -DskipPythonTests");
      return;
    }
    String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(python.waitFor(5, TimeUnit.MINUTES)).as("python3 finished").isTrue();
    System.out.print(output);
    assertThat(python.exitValue()).as("python3 -m unittest exit status; its output:%n%s", output).isZero();
    assertThat(output).as("the run reports its tests").containsPattern("Ran [1-9][0-9]* tests?");
  }
}
