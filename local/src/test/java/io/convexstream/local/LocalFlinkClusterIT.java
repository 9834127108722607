package io.convexstream.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * The local cluster's REST API runs no code from outside: jar upload and job-graph submission are
 * refused (404: the handlers are not there), while the web UI's reads stay, and a cluster made to
 * take job graphs (a stand-in for a remote session cluster) does answer POST /jobs.
 */
class LocalFlinkClusterIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @Test
  void theRestApiTakesNoJarsAndNoJobGraphs() throws Exception {
    try (LocalFlinkCluster flink = LocalFlinkCluster.start(0, 1)) {
      URI base = flink.restAddress();
      assertThat(flink.rest("/config").get("features").get("web-submit").asBoolean()).isFalse();
      awaitLeader(base);
      assertThat(status(post(base, "/jars/upload"))).isEqualTo(404);
      assertThat(status(post(base, "/jobs"))).isEqualTo(404);
    }
    try (LocalFlinkCluster remote = LocalFlinkCluster.startTakingJobGraphs(1)) {
      awaitLeader(remote.restAddress());
      // an empty body is a bad request, which shows the handler is there
      assertThat(status(post(remote.restAddress(), "/jobs"))).isEqualTo(400);
    }
  }

  /** The REST API answers 503 until the dispatcher has been elected leader. */
  private static void awaitLeader(URI base) throws Exception {
    await("a leader").atMost(java.time.Duration.ofSeconds(30)).pollInterval(java.time.Duration.ofMillis(100))
        .until(() -> status(get(base, "/overview")) == 200);
  }

  private static HttpRequest get(URI base, String path) {
    return HttpRequest.newBuilder(base.resolve(path)).GET().build();
  }

  private static HttpRequest post(URI base, String path) {
    return HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build();
  }

  private static int status(HttpRequest request) throws Exception {
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
  }
}
