package io.convexstream.serving;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.convexstream.schemas.PortfolioDecision;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.io.JsonEncoder;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
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

  private ServingHttp(ServingView view, HttpServer server, Options options) {
    this.view = view;
    this.server = server;
    this.options = options;
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
  private void authenticate(HttpExchange ex) throws Refusal {
    if (options.tokens().isEmpty()) {
      return;
    }
    String header = ex.getRequestHeaders().getFirst("Authorization");
    // the scheme is case-insensitive (RFC 9110, 11.1)
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, "Bearer ".length())) {
      ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
      throw new Refusal(401, "a bearer token is required (Authorization: Bearer <token>)");
    }
    byte[] given = header.substring("Bearer ".length()).strip().getBytes(StandardCharsets.UTF_8);
    boolean known = false;
    for (String t : options.tokens()) {
      known |= java.security.MessageDigest.isEqual(given, t.getBytes(StandardCharsets.UTF_8));
    }
    if (!known) {
      throw new Refusal(403, "the bearer token is not accepted");
    }
  }

  /** A request that cannot be answered: its status and reason. */
  private static final class Refusal extends Exception {
    final int status;

    Refusal(int status, String reason) {
      super(reason);
      this.status = status;
    }
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      int status = 200;
      String body;
      try {
        if (!ex.getRequestMethod().equals("GET")) {
          throw new Refusal(405, "only GET is supported");
        }
        String path = ex.getRequestURI().getPath();
        if (!path.equals("/health") && !path.equals("/ready")) {
          authenticate(ex);
        }
        body = route(ex.getRequestURI());
      } catch (Refusal r) {
        status = r.status;
        body = error(r.getMessage());
      } catch (ParameterStore.Unavailable e) {
        status = 503;
        body = error(e.getMessage());
      } catch (InvalidStateStoreException e) {
        status = 503;
        body = error("the view is not ready (" + view.state() + "): " + e.getMessage());
      } catch (RuntimeException e) {
        status = 500;
        body = error(e.toString());
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  private String route(URI uri) throws Refusal {
    // split the raw path, then decode: ids may hold an encoded '/' (%2F)
    String[] p = uri.getRawPath().replaceAll("^/+|/+$", "").split("/");
    for (int i = 0; i < p.length; i++) {
      p[i] = java.net.URLDecoder.decode(p[i].replace("+", "%2B"), StandardCharsets.UTF_8);
    }
    int n = p.length;
    if (n == 1 && p[0].equals("health")) {
      return "{\"status\":\"UP\"}";
    }
    if (n == 1 && p[0].equals("fresh")) {
      Map<String, java.time.Instant> newest = view.newestOutputs(); // one query of the broker per request
      java.time.Instant limit = java.time.Instant.now().minus(options.staleAfter());
      List<String> stale = newest.entrySet().stream().filter(e -> e.getValue().isBefore(limit))
          .map(e -> e.getKey() + " (newest record " + e.getValue() + ")").toList();
      if (!stale.isEmpty()) {
        throw new Refusal(503, "stale: no output within " + options.staleAfter() + " on " + String.join(", ", stale));
      }
      StringBuilder b = new StringBuilder("{\"status\":\"FRESH\",\"newest\":{");
      String sep = "";
      for (var e : newest.entrySet()) {
        b.append(sep).append('"').append(e.getKey()).append("\":\"").append(e.getValue()).append('"');
        sep = ",";
      }
      return b.append("}}").toString();
    }
    if (n == 1 && p[0].equals("ready")) {
      String lagging = view.lagging();
      if (!lagging.isEmpty()) {
        throw new Refusal(503, "not ready: " + lagging);
      }
      return "{\"status\":\"READY\"}";
    }
    if (n == 2 && p[0].equals("models")) {
      ParameterStore.Served m = view.model(p[1]);
      if (m == null) {
        throw new Refusal(404, "unknown model " + p[1]);
      }
      return modelJson(m.modelId(), m.version(), m.dim(), m.parameters());
    }
    if (n == 3 && p[0].equals("models") && p[2].equals("history")) {
      List<ParameterStore.Version> versions = view.modelHistory(p[1], count(uri));
      if (versions.isEmpty()) {
        throw new Refusal(404, "unknown model " + p[1]);
      }
      StringBuilder s = new StringBuilder("[");
      for (ParameterStore.Version v : versions) {
        s.append(s.length() > 1 ? "," : "").append(modelJson(p[1], v, -1, null));
      }
      return s.append(']').toString();
    }
    if (n >= 4 && p[0].equals("moe") && p[2].equals("layers") && (n == 4 || n == 5 && p[4].equals("history"))) {
      int layer;
      try {
        layer = Integer.parseInt(p[3]);
      } catch (NumberFormatException e) {
        throw new Refusal(400, "layer '" + p[3] + "' is not a number");
      }
      if (layer < 0) {
        throw new Refusal(400, "layer " + layer + " is negative");
      }
      return answer(ServingView.BIASES, p[1] + "/" + layer, "", n == 5, uri, "layer " + layer + " of model " + p[1]);
    }
    if (n == 2 && p[0].equals("portfolios")) {
      Map<String, List<PortfolioDecision>> all = view.query(ServingView.DECISIONS, p[1], 1);
      if (all.isEmpty()) {
        throw new Refusal(404, "unknown portfolio " + p[1]);
      }
      StringBuilder s = new StringBuilder("{");
      all.forEach((strategy, latest) -> s.append(s.length() > 1 ? "," : "").append(quote(strategy)).append(':').append(json(latest.get(0))));
      return s.append('}').toString();
    }
    if (n == 5 && p[0].equals("portfolios") && p[2].equals("strategies") && p[4].equals("history")) {
      return answer(ServingView.DECISIONS, p[1], p[3], true, uri, "strategy " + p[3] + " of portfolio " + p[1]);
    }
    throw new Refusal(404, "no such endpoint: " + uri.getPath());
  }

  private <T extends SpecificRecord> String answer(ServingView.Output<T> o, String key, String part, boolean history, URI uri,
      String what) throws Refusal {
    int count = history ? count(uri) : 1;
    List<T> versions = view.query(o, key, count).get(part);
    if (versions == null) {
      throw new Refusal(404, "unknown " + what);
    }
    if (!history) {
      return json(versions.get(versions.size() - 1));
    }
    StringBuilder s = new StringBuilder("[");
    for (T v : versions) {
      s.append(s.length() > 1 ? "," : "").append(json(v));
    }
    return s.append(']').toString();
  }

  /** The history length asked for: ?n=N with 1 <= N <= the view's history (default all of it). */
  private int count(URI uri) throws Refusal {
    String query = uri.getQuery();
    if (query == null || query.isEmpty()) {
      return view.history();
    }
    for (String kv : query.split("&")) {
      if (kv.startsWith("n=")) {
        try {
          int n = Integer.parseInt(kv.substring(2));
          if (n >= 1 && n <= view.history()) {
            return n;
          }
        } catch (NumberFormatException e) {
          // refused below
        }
        throw new Refusal(400, "n must be a number in 1.." + view.history() + ", not '" + kv.substring(2) + "'");
      }
    }
    throw new Refusal(400, "unknown query '" + query + "' (only n=N)");
  }

  @SuppressWarnings("unchecked")
  private static <T extends SpecificRecord> String json(T record) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      JsonEncoder encoder = EncoderFactory.get().jsonEncoder(record.getSchema(), out);
      new SpecificDatumWriter<T>((Class<T>) record.getClass()).write(record, encoder);
      encoder.flush();
      return out.toString(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** A model's version as JSON: ids, version, metrics, and (with {@code parameters}) its dimension and parameters. */
  private static String modelJson(String model, ParameterStore.Version v, int dim, double[] parameters) {
    StringBuilder s = new StringBuilder(parameters == null ? 256 : 256 + 24 * parameters.length);
    s.append("{\"modelId\":").append(quote(model)).append(",\"runEpoch\":").append(v.runEpoch()).append(",\"version\":")
        .append(v.version()).append(",\"step\":").append(v.step()).append(",\"eventTime\":").append(v.eventTime());
    if (parameters != null) {
      s.append(",\"dim\":").append(dim).append(",\"parameters\":[");
      for (int i = 0; i < parameters.length; i++) {
        s.append(i > 0 ? "," : "").append(number(parameters[i]));
      }
      s.append(']');
    }
    s.append(",\"metrics\":{");
    boolean first = true;
    for (Map.Entry<String, Double> m : new java.util.TreeMap<>(v.metrics()).entrySet()) {
      s.append(first ? "" : ",").append(quote(m.getKey())).append(':').append(number(m.getValue()));
      first = false;
    }
    return s.append("}}").toString();
  }

  /** A double as JSON (which has no NaN or infinities: those become strings, as Avro's JSON encoding writes them). */
  private static String number(double v) {
    return Double.isFinite(v) ? Double.toString(v) : "\"" + v + "\"";
  }

  private static String error(String reason) {
    return "{\"error\":" + quote(reason) + "}";
  }

  private static String quote(String s) {
    StringBuilder q = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> q.append("\\\"");
        case '\\' -> q.append("\\\\");
        default -> {
          if (c < 0x20) {
            q.append(String.format("\\u%04x", (int) c));
          } else {
            q.append(c);
          }
        }
      }
    }
    return q.append('"').toString();
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
