package io.convexstream.local;

import io.convexstream.flink.OperatorMetrics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.JobID;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;

/** The REST API of a Flink cluster (the one the web UI reads): in this JVM or anywhere else. */
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

  /** POST of a JSON body to a REST API path; the answer as JSON. */
  public JsonNode post(String path, Object body) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(address.resolve(path)).timeout(java.time.Duration.ofSeconds(30))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      throw new IllegalStateException("POST " + path + ": HTTP " + r.statusCode() + " " + r.body());
    }
    return JSON.readTree(r.body());
  }

  /**
   * Stops a job with a savepoint ({@code targetDirectory} null: the cluster's savepoint directory)
   * and returns the savepoint's location once it is written. With {@code drain} the sources end
   * first, so event time advances to the end and waiting work (open periods, buffered steps) is flushed.
   */
  public String stopWithSavepoint(String jobId, String targetDirectory, boolean drain, java.time.Duration timeout) throws Exception {
    java.util.Map<String, Object> body = new java.util.HashMap<>();
    body.put("drain", drain);
    body.put("formatType", "CANONICAL");
    if (targetDirectory != null) {
      body.put("targetDirectory", targetDirectory);
    }
    String trigger = post("/jobs/" + jobId + "/stop", body).get("request-id").asText();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode s = get("/jobs/" + jobId + "/savepoints/" + trigger);
      if (s.get("status").get("id").asText().equals("COMPLETED")) {
        JsonNode op = s.get("operation");
        if (op.has("location")) {
          return op.get("location").asText();
        }
        JsonNode cause = op.path("failure-cause");
        throw new IllegalStateException("the savepoint failed: " + cause.path("serialized-throwable").asText(cause.toString())
            .lines().findFirst().orElse(cause.toString()));
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("no savepoint of job " + jobId + " after " + timeout.toSeconds() + " s");
  }

  /** Ids of the jobs named {@code name} that have not reached a terminal state (running, restarting, ...). */
  public List<String> unfinishedJobsNamed(String name) throws Exception {
    List<String> ids = new ArrayList<>();
    for (JsonNode j : get("/jobs/overview").get("jobs")) {
      String state = j.get("state").asText();
      if (j.get("name").asText().equals(name) && !List.of("FINISHED", "FAILED", "CANCELED").contains(state)) {
        ids.add(j.get("jid").asText());
      }
    }
    return ids;
  }

  /** The job's state as the REST API reports it: RUNNING, FINISHED, FAILED, ... */
  public String jobState(JobID id) throws Exception {
    return get("/jobs/" + id).get("state").asText();
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
