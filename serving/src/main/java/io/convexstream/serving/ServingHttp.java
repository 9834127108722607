package io.convexstream.serving;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.convexstream.schemas.PortfolioDecision;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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

  /**
   * JSON as Jackson writes it; a number JSON has no form for (NaN, ±∞) is null, the rule for every
   * JSON the project writes itself (records served in Avro's JSON encoding keep Avro's strings).
   */
  private static final JsonFactory JSON = new JsonFactory();

  private final ServingView view;
  private final HttpServer server;
  private final Options options;
  private final List<Route> routes;

  private ServingHttp(ServingView view, HttpServer server, Options options) {
    this.view = view;
    this.server = server;
    this.options = options;
    this.routes = routes();
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

  /** Writes an answer's JSON. */
  @FunctionalInterface
  private interface Answer {
    void write(JsonGenerator json) throws IOException;
  }

  /** Answers a request that matched a route, given the route's path parameters. */
  @FunctionalInterface
  private interface Handler {
    Answer answer(Map<String, String> path, URI uri) throws Refusal;
  }

  /**
   * A path template such as {@code /models/{model}/history}: literal segments and named
   * parameters, each parameter one segment of the raw path, decoded (so an id may hold an encoded
   * '/', %2F).
   */
  private record Route(List<String> template, Handler handler) {
    static Route of(String template, Handler handler) {
      return new Route(List.of(template.substring(1).split("/")), handler);
    }

    /** The path parameters where {@code segments} fit the template, else null. */
    Map<String, String> match(List<String> segments) {
      if (segments.size() != template.size()) {
        return null;
      }
      Map<String, String> parameters = new LinkedHashMap<>();
      for (int i = 0; i < template.size(); i++) {
        String t = template.get(i);
        if (t.startsWith("{")) {
          parameters.put(t.substring(1, t.length() - 1), segments.get(i));
        } else if (!t.equals(segments.get(i))) {
          return null;
        }
      }
      return parameters;
    }
  }

  /** The endpoints, in the order the class comment lists them. */
  private List<Route> routes() {
    return List.of(
        Route.of("/health", (path, uri) -> json -> writeStatus(json, "UP")),
        Route.of("/ready", (path, uri) -> ready()),
        Route.of("/fresh", (path, uri) -> fresh()),
        Route.of("/models/{model}", (path, uri) -> model(path.get("model"))),
        Route.of("/models/{model}/history", (path, uri) -> modelHistory(path.get("model"), count(uri))),
        Route.of("/moe/{model}/layers/{layer}", (path, uri) -> biases(path.get("model"), layer(path.get("layer")), false, uri)),
        Route.of("/moe/{model}/layers/{layer}/history", (path, uri) -> biases(path.get("model"), layer(path.get("layer")), true, uri)),
        Route.of("/portfolios/{portfolio}", (path, uri) -> portfolio(path.get("portfolio"))),
        Route.of("/portfolios/{portfolio}/strategies/{strategy}/history", (path, uri) -> answer(ServingView.DECISIONS,
            path.get("portfolio"), path.get("strategy"), true, uri, "strategy " + path.get("strategy") + " of portfolio "
                + path.get("portfolio"))));
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      int status = 200;
      Answer answer;
      try {
        if (!ex.getRequestMethod().equals("GET")) {
          throw new Refusal(405, "only GET is supported");
        }
        String path = ex.getRequestURI().getPath();
        if (!path.equals("/health") && !path.equals("/ready")) {
          authenticate(ex);
        }
        answer = route(ex.getRequestURI());
      } catch (Refusal r) {
        status = r.status;
        answer = error(r.getMessage());
      } catch (ParameterStore.Unavailable e) {
        status = 503;
        answer = error(e.getMessage());
      } catch (InvalidStateStoreException e) {
        status = 503;
        answer = error("the view is not ready (" + view.state() + "): " + e.getMessage());
      } catch (RuntimeException e) {
        status = 500;
        answer = error(e.toString());
      }
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      try (JsonGenerator json = JSON.createGenerator(body)) {
        answer.write(json);
      }
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(status, body.size());
      try (OutputStream out = ex.getResponseBody()) {
        body.writeTo(out);
      }
    }
  }

  private Answer route(URI uri) throws Refusal {
    List<String> segments = new ArrayList<>();
    for (String raw : uri.getRawPath().replaceAll("^/+|/+$", "").split("/")) {
      segments.add(java.net.URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8));
    }
    for (Route route : routes) {
      Map<String, String> path = route.match(segments);
      if (path != null) {
        return route.handler().answer(path, uri);
      }
    }
    throw new Refusal(404, "no such endpoint: " + uri.getPath());
  }

  private static void writeStatus(JsonGenerator json, String status) throws IOException {
    json.writeStartObject();
    json.writeStringField("status", status);
    json.writeEndObject();
  }

  private Answer ready() throws Refusal {
    String lagging = view.lagging();
    if (!lagging.isEmpty()) {
      throw new Refusal(503, "not ready: " + lagging);
    }
    return json -> writeStatus(json, "READY");
  }

  private Answer fresh() throws Refusal {
    Map<String, java.time.Instant> newest = view.newestOutputs(); // one query of the broker per request
    java.time.Instant limit = java.time.Instant.now().minus(options.staleAfter());
    List<String> stale = newest.entrySet().stream().filter(e -> e.getValue().isBefore(limit))
        .map(e -> e.getKey() + " (newest record " + e.getValue() + ")").toList();
    if (!stale.isEmpty()) {
      throw new Refusal(503, "stale: no output within " + options.staleAfter() + " on " + String.join(", ", stale));
    }
    return json -> {
      json.writeStartObject();
      json.writeStringField("status", "FRESH");
      json.writeObjectFieldStart("newest");
      for (var e : newest.entrySet()) {
        json.writeStringField(e.getKey(), e.getValue().toString());
      }
      json.writeEndObject();
      json.writeEndObject();
    };
  }

  private Answer model(String model) throws Refusal {
    ParameterStore.Served m = view.model(model);
    if (m == null) {
      throw new Refusal(404, "unknown model " + model);
    }
    return json -> writeModel(json, m.modelId(), m.version(), m.dim(), m.parameters());
  }

  private Answer modelHistory(String model, int count) throws Refusal {
    List<ParameterStore.Version> versions = view.modelHistory(model, count);
    if (versions.isEmpty()) {
      throw new Refusal(404, "unknown model " + model);
    }
    return json -> {
      json.writeStartArray();
      for (ParameterStore.Version v : versions) {
        writeModel(json, model, v, -1, null);
      }
      json.writeEndArray();
    };
  }

  private static int layer(String layer) throws Refusal {
    int l;
    try {
      l = Integer.parseInt(layer);
    } catch (NumberFormatException e) {
      throw new Refusal(400, "layer '" + layer + "' is not a number");
    }
    if (l < 0) {
      throw new Refusal(400, "layer " + l + " is negative");
    }
    return l;
  }

  private Answer biases(String model, int layer, boolean history, URI uri) throws Refusal {
    return answer(ServingView.BIASES, model + "/" + layer, "", history, uri, "layer " + layer + " of model " + model);
  }

  private Answer portfolio(String portfolio) throws Refusal {
    Map<String, List<PortfolioDecision>> all = view.query(ServingView.DECISIONS, portfolio, 1);
    if (all.isEmpty()) {
      throw new Refusal(404, "unknown portfolio " + portfolio);
    }
    return json -> {
      json.writeStartObject();
      for (var e : all.entrySet()) {
        json.writeFieldName(e.getKey());
        writeRecord(json, e.getValue().get(0));
      }
      json.writeEndObject();
    };
  }

  private <T extends SpecificRecord> Answer answer(ServingView.Output<T> o, String key, String part, boolean history, URI uri,
      String what) throws Refusal {
    int count = history ? count(uri) : 1;
    List<T> versions = view.query(o, key, count).get(part);
    if (versions == null) {
      throw new Refusal(404, "unknown " + what);
    }
    if (!history) {
      return json -> writeRecord(json, versions.get(versions.size() - 1));
    }
    return json -> {
      json.writeStartArray();
      for (T v : versions) {
        writeRecord(json, v);
      }
      json.writeEndArray();
    };
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

  /** A record in Avro's JSON encoding (what an Avro JSON decoder reads back). */
  @SuppressWarnings("unchecked")
  private static <T extends SpecificRecord> void writeRecord(JsonGenerator json, T record) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    JsonEncoder encoder = EncoderFactory.get().jsonEncoder(record.getSchema(), out);
    new SpecificDatumWriter<T>((Class<T>) record.getClass()).write(record, encoder);
    encoder.flush();
    json.writeRawValue(out.toString(StandardCharsets.UTF_8));
  }

  /** A model's version: ids, version, metrics, and (with {@code parameters}) its dimension and parameters. */
  private static void writeModel(JsonGenerator json, String model, ParameterStore.Version v, int dim, double[] parameters)
      throws IOException {
    json.writeStartObject();
    json.writeStringField("modelId", model);
    json.writeNumberField("runEpoch", v.runEpoch());
    json.writeNumberField("version", v.version());
    json.writeNumberField("step", v.step());
    json.writeNumberField("eventTime", v.eventTime());
    if (parameters != null) {
      json.writeNumberField("dim", dim);
      json.writeArrayFieldStart("parameters");
      for (double x : parameters) {
        writeNumber(json, x);
      }
      json.writeEndArray();
    }
    json.writeObjectFieldStart("metrics");
    for (Map.Entry<String, Double> m : new TreeMap<>(v.metrics()).entrySet()) {
      json.writeFieldName(m.getKey());
      writeNumber(json, m.getValue());
    }
    json.writeEndObject();
    json.writeEndObject();
  }

  private static void writeNumber(JsonGenerator json, double v) throws IOException {
    if (Double.isFinite(v)) {
      json.writeNumber(v);
    } else {
      json.writeNull();
    }
  }

  private static Answer error(String reason) {
    return json -> {
      json.writeStartObject();
      json.writeStringField("error", reason);
      json.writeEndObject();
    };
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
