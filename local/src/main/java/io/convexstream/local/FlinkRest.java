package io.convexstream.local;

import io.convexstream.flink.OperatorMetrics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.common.JobID;
import org.apache.flink.client.deployment.StandaloneClusterId;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.util.ExceptionUtils;

/**
 * A Flink cluster's REST API, in this JVM or anywhere else: its jobs and stopping them
 * through Flink's own {@link RestClusterClient}; operator metrics (which that client does not
 * read) as the web UI reads them.
 */
public final class FlinkRest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final URI address;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(java.time.Duration.ofSeconds(5)).build();

  /** {@code address}: e.g. http://localhost:8081. */
  public FlinkRest(URI address) {
    this.address = address;
  }

  public URI address() {
    return address;
  }

  /** GET of a REST API path, as JSON. */
  public JsonNode get(String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(address.resolve(path)).timeout(java.time.Duration.ofSeconds(30)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("GET " + path + ": HTTP " + r.statusCode() + " " + r.body());
    }
    return JSON.readTree(r.body());
  }

  /**
   * Stops a job with a savepoint ({@code targetDirectory} null: the cluster's savepoint directory)
   * and returns the savepoint's location once it is written. With {@code drain} the sources end
   * first, so event time advances to the end and waiting work (open periods, buffered steps) is flushed.
   */
  public String stopWithSavepoint(String jobId, String targetDirectory, boolean drain, Duration timeout) throws Exception {
    try (RestClusterClient<StandaloneClusterId> client = client()) {
      return client.stopWithSavepoint(JobID.fromHexString(jobId), drain, targetDirectory, SavepointFormatType.CANONICAL)
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = ExceptionUtils.stripExecutionException(e);
      throw new IllegalStateException("the savepoint failed: " + (cause.getMessage() == null ? cause.toString()
          : cause.getMessage().lines().findFirst().orElse(cause.toString())), cause);
    } catch (TimeoutException e) {
      throw new IllegalStateException("no savepoint of job " + jobId + " after " + timeout.toSeconds() + " s");
    }
  }

  /** Ids of the jobs named {@code name} that have not reached a terminal state (running, restarting, ...). */
  public List<String> unfinishedJobsNamed(String name) throws Exception {
    try (RestClusterClient<StandaloneClusterId> client = client()) {
      return client.listJobs().get(30, TimeUnit.SECONDS).stream()
          .filter(j -> j.getJobName().equals(name) && !j.getJobState().isGloballyTerminalState())
          .map(j -> j.getJobId().toHexString()).toList();
    } catch (ExecutionException e) {
      Throwable root = ExceptionUtils.stripExecutionException(e);
      while (root.getCause() != null) {
        root = root.getCause();
      }
      throw new java.io.IOException(root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage(), e);
    }
  }

  /** Flink's own client of the cluster's REST API, for what it offers: jobs, their states, stop with a savepoint. */
  private RestClusterClient<StandaloneClusterId> client() throws Exception {
    Configuration conf = new Configuration();
    conf.set(RestOptions.ADDRESS, address.getHost());
    conf.set(RestOptions.PORT, address.getPort());
    // a wrong address fails in seconds, not after the client's default retries (minutes)
    conf.set(RestOptions.CONNECTION_TIMEOUT, Duration.ofSeconds(5));
    conf.set(RestOptions.RETRY_MAX_ATTEMPTS, 0);
    return new RestClusterClient<>(conf, StandaloneClusterId.getInstance());
  }

  /**
   * The sum over all subtasks of the operator metric {@code convexstream.<name>} of every operator
   * whose name starts with {@code operatorPrefix} (the values refresh as often as the cluster's
   * metric fetcher runs: {@code metrics.fetcher.update-interval}).
   */
  public double operatorMetric(JobID id, String operatorPrefix, String name) throws Exception {
    double sum = 0;
    for (JsonNode vertex : get("/jobs/" + id).get("vertices")) {
      String base = "/jobs/" + id + "/vertices/" + vertex.get("id").asText() + "/subtasks/metrics";
      List<String> ids = new ArrayList<>();
      for (JsonNode m : get(base)) {
        String metric = m.get("id").asText();
        if (metric.startsWith(operatorPrefix) && metric.endsWith("." + OperatorMetrics.GROUP + "." + name)) {
          ids.add(metric);
        }
      }
      if (!ids.isEmpty()) {
        for (JsonNode m : get(base + "?agg=sum&get=" + String.join(",", ids))) {
          sum += m.get("sum").asDouble();
        }
      }
    }
    return sum;
  }
}
