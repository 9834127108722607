package io.convexstream.serving;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import org.apache.kafka.streams.errors.InvalidStateStoreException;

/**
 * HTTP endpoints of the {@link ServingView} (JSON; records in Avro's JSON encoding):
 *
 * <pre>
 * GET /health                                   200 while the process runs
 * GET /ready                                    200 once the view runs and has read its inputs up to their end offsets at start, else 503 (saying what lags)
 * GET /fresh                                    200 while every output topic written so far got a record within the stale-after
 *                                               time, else 503 naming the stale ones: the jobs upstream stopped publishing
 * GET /models/{model}                           latest parameters of a model: {modelId, runEpoch, version, step, eventTime, dim, parameters: [...], metrics}
 * GET /models/{model}/history?n=N               its last N versions' metadata and metrics (no parameters), oldest first
 * POST /models/{model}/predict                  a·x with the latest parameters for {"features": {name: value}} (hashed as the job hashes them), {"indices": [...], "values": [...]} or {"values": [...]}: {modelId, runEpoch, version, score, probability (the logistic link), features}
 * GET /moe/{model}/layers/{layer}               latest expert biases of (model, layer)
 * GET /moe/{model}/layers/{layer}/history?n=N
 * GET /portfolios/{portfolio}                   latest decision (weights, wealth) of each strategy
 * GET /portfolios/{portfolio}/strategies/{strategy}/history?n=N
 * </pre>
 *
 * Unknown keys give 404, malformed requests (a layer that is not a number, N outside 1..history)
 * 400, other methods 405; every error body is {"error": "..."}.
 */
public final class ServingHttp implements AutoCloseable {
  /** Default of /fresh: ten minutes without a record on a written output topic is stale. */
  public static final java.time.Duration DEFAULT_STALE_AFTER = java.time.Duration.ofMinutes(10);

  /**
   * How the view is served: the address to bind ({@code 127.0.0.1} unless told: anything wider is a
   * decision), the port (0: any free one), when /fresh calls an output stale, the bearer tokens a
   * request must carry (empty: none needed) and TLS (null: plain HTTP). /health and /ready answer
   * without a token: they reveal nothing and probes call them.
   */
  public record Options(String bind, int port, java.time.Duration staleAfter, java.util.Set<String> tokens, javax.net.ssl.SSLContext tls) {
    public Options {
      tokens = java.util.Set.copyOf(tokens);
    }

    /** Loopback only, no token, plain HTTP: local use, the demo, tests. */
    public static Options local(int port) {
      return new Options("127.0.0.1", port, DEFAULT_STALE_AFTER, java.util.Set.of(), null);
    }
  }

  private final ServingView view;
  private final HttpServer server;
  private final Options options;
  private final ServingRoutes routes;

  private ServingHttp(ServingView view, HttpServer server, Options options) {
    this.view = view;
    this.server = server;
    this.options = options;
    this.routes = new ServingRoutes(view, options.staleAfter());
  }

  /** Serves {@code view} on {@code port} (0: any free port) of the loopback interface, without authentication. */
  public static ServingHttp start(ServingView view, int port) throws IOException {
    return start(view, Options.local(port));
  }

  /** Serves {@code view} as {@code options} say. */
  public static ServingHttp start(ServingView view, Options options) throws IOException {
    InetSocketAddress address = new InetSocketAddress(options.bind(), options.port());
    HttpServer server;
    try {
      if (options.tls() != null) {
        com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(address, 0);
        https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(options.tls()));
        server = https;
      } else {
        server = HttpServer.create(address, 0);
      }
    } catch (java.net.BindException e) {
      throw new java.net.BindException("cannot listen on " + options.bind() + ":" + options.port() + ": " + e.getMessage());
    }
    ServingHttp http = new ServingHttp(view, server, options);
    server.createContext("/", http::handle);
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.start();
    return http;
  }

  public URI address() {
    return URI.create((options.tls() != null ? "https" : "http") + "://localhost:" + server.getAddress().getPort());
  }

  /** The TLS context of a PKCS12 keystore holding the server's key and certificate. */
  public static javax.net.ssl.SSLContext tls(java.nio.file.Path keystore, char[] password) throws Exception {
    java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
    try (var in = java.nio.file.Files.newInputStream(keystore)) {
      ks.load(in, password);
    }
    javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, password);
    javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), null, null);
    return context;
  }

  /** A bearer token the request carries that is one of the tokens, compared in constant time; 401 without one, 403 with a wrong one. */
  private void authenticate(HttpExchange ex) throws ServingRoutes.Refusal {
    if (options.tokens().isEmpty()) {
      return;
    }
    String header = ex.getRequestHeaders().getFirst("Authorization");
    // the scheme is case-insensitive (RFC 9110, 11.1)
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, "Bearer ".length())) {
      ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
      throw new ServingRoutes.Refusal(401, "a bearer token is required (Authorization: Bearer <token>)");
    }
    byte[] given = header.substring("Bearer ".length()).strip().getBytes(StandardCharsets.UTF_8);
    boolean known = false;
    for (String t : options.tokens()) {
      known |= java.security.MessageDigest.isEqual(given, t.getBytes(StandardCharsets.UTF_8));
    }
    if (!known) {
      throw new ServingRoutes.Refusal(403, "the bearer token is not accepted");
    }
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      int status = 200;
      ServingRoutes.Answer answer;
      try {
        String method = ex.getRequestMethod();
        if (!method.equals("GET") && !method.equals("POST")) {
          throw new ServingRoutes.Refusal(405, "GET, and POST for predictions");
        }
        String path = ex.getRequestURI().getPath();
        if (!path.equals("/health") && !path.equals("/ready")) {
          authenticate(ex);
        }
        if (method.equals("POST")) {
          byte[] body = ex.getRequestBody().readNBytes(ServingRoutes.MAX_BODY_BYTES + 1);
          if (body.length > ServingRoutes.MAX_BODY_BYTES) {
            throw new ServingRoutes.Refusal(413, "the body is larger than " + ServingRoutes.MAX_BODY_BYTES + " bytes");
          }
          answer = routes.answerPost(ex.getRequestURI(), body);
        } else {
          answer = routes.answer(ex.getRequestURI());
        }
      } catch (ServingRoutes.Refusal r) {
        status = r.status;
        answer = ServingRoutes.error(r.getMessage());
      } catch (ParameterStore.Unavailable e) {
        status = 503;
        answer = ServingRoutes.error(e.getMessage());
      } catch (InvalidStateStoreException e) {
        status = 503;
        answer = ServingRoutes.error("the view is not ready (" + view.state() + "): " + e.getMessage());
      } catch (RuntimeException e) {
        status = 500;
        answer = ServingRoutes.error(e.toString());
      }
      byte[] body = ServingRoutes.write(answer);
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(status, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
