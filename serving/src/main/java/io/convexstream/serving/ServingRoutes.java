package io.convexstream.serving;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.convexstream.schemas.PortfolioDecision;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.io.JsonEncoder;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/** The serving view's endpoints ({@link ServingHttp} lists them): which path answers what, as JSON. */
final class ServingRoutes {
  /**
   * JSON as Jackson writes it; a number JSON has no form for (NaN, ±∞) is null, the rule for every
   * JSON the project writes itself (records served in Avro's JSON encoding keep Avro's strings).
   */
  private static final JsonFactory JSON = new JsonFactory();

  private final ServingView view;
  private final Duration staleAfter;
  private final List<Route> routes;

  ServingRoutes(ServingView view, Duration staleAfter) {
    this.view = view;
    this.staleAfter = staleAfter;
    this.routes = routes();
  }

  /** A request that cannot be answered: its status and reason. */
  static final class Refusal extends Exception {
    final int status;

    Refusal(int status, String reason) {
      super(reason);
      this.status = status;
    }
  }

  /** Writes an answer's JSON. */
  @FunctionalInterface
  interface Answer {
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

  /** The endpoints, in the order ServingHttp's comment lists them. */
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

  /** The path's segments, each decoded (so an id may hold an encoded '/'). */
  private static List<String> segments(URI uri) {
    List<String> segments = new ArrayList<>();
    for (String raw : uri.getRawPath().replaceAll("^/+|/+$", "").split("/")) {
      segments.add(java.net.URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8));
    }
    return segments;
  }

  /** The answer to a GET of {@code uri}. */
  Answer answer(URI uri) throws Refusal {
    List<String> segments = segments(uri);
    for (Route route : routes) {
      Map<String, String> path = route.match(segments);
      if (path != null) {
        return route.handler().answer(path, uri);
      }
    }
    throw new Refusal(404, "no such endpoint: " + uri.getPath());
  }

  /** Largest request body a prediction takes: features of a large dense model fit, garbage does not. */
  static final int MAX_BODY_BYTES = 16 << 20;

  /** The answer to a POST of {@code body} to {@code uri}: only {@code /models/{model}/predict} takes one. */
  Answer answerPost(URI uri, byte[] body) throws Refusal {
    List<String> segments = segments(uri);
    Map<String, String> path = Route.of("/models/{model}/predict", null).match(segments);
    if (path == null) {
      throw new Refusal(segments.size() == 3 && segments.get(0).equals("models") ? 404 : 405,
          "POST is for /models/{model}/predict; " + uri.getPath() + " answers GET");
    }
    return predict(path.get("model"), body);
  }

  /**
   * The latest parameters' score a·x for features given as {"features": {name: value, ...}} (hashed
   * as the job hashes them), {"indices": [...], "values": [...]} or {"values": [...]} (dense); reads
   * only the blocks the features touch.
   */
  private Answer predict(String model, byte[] body) throws Refusal {
    Map<String, Double> named = null;
    List<Integer> indices = null;
    List<Double> values = null;
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new Refusal(400, "the body is a JSON object: {\"features\": {name: value, ...}}, or {\"indices\": [...], \"values\": [...]}");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        switch (field) {
          case "features" -> {
            if (t != JsonToken.START_OBJECT) {
              throw new Refusal(400, "features is an object of name: value");
            }
            named = new TreeMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String name = p.currentName();
              named.put(name, number(p, p.nextToken(), "feature " + name));
            }
          }
          case "indices" -> {
            indices = new ArrayList<>();
            for (JsonToken e = array(p, t, field); e != JsonToken.END_ARRAY; e = p.nextToken()) {
              if (e != JsonToken.VALUE_NUMBER_INT) {
                throw new Refusal(400, "indices are integers");
              }
              indices.add(p.getIntValue());
            }
          }
          case "values" -> {
            values = new ArrayList<>();
            for (JsonToken e = array(p, t, field); e != JsonToken.END_ARRAY; e = p.nextToken()) {
              values.add(number(p, e, "a value"));
            }
          }
          default -> throw new Refusal(400, "unknown field " + field + ": give features, or indices and values");
        }
      }
    } catch (IOException e) {
      throw new Refusal(400, "the body is not JSON: " + e.getMessage());
    }
    ParameterStore.Served dims = null;
    int[] at;
    double[] a;
    if (named != null) {
      if (indices != null || values != null) {
        throw new Refusal(400, "give features, or indices and values, not both");
      }
      dims = view.modelAt(model, new int[0]);
      if (dims == null) {
        throw new Refusal(404, "unknown model " + model);
      }
      io.convexstream.schemas.features.FeatureHashing.Sparse hashed = io.convexstream.schemas.features.FeatureHashing.sparse(named, dims.dim());
      at = hashed.indices();
      a = hashed.values();
    } else if (values != null) {
      a = values.stream().mapToDouble(Double::doubleValue).toArray();
      at = indices != null ? indices.stream().mapToInt(Integer::intValue).toArray() : null;
      if (at != null && at.length != a.length) {
        throw new Refusal(400, at.length + " indices for " + a.length + " values");
      }
    } else {
      throw new Refusal(400, "no features: give features, or indices and values");
    }
    ParameterStore.Served m;
    try {
      m = view.modelAt(model, at == null ? java.util.stream.IntStream.range(0, a.length).toArray() : at);
    } catch (IllegalArgumentException e) {
      throw new Refusal(400, e.getMessage());
    }
    if (m == null) {
      throw new Refusal(404, "unknown model " + model);
    }
    if (at == null && a.length != m.dim()) {
      throw new Refusal(400, "dense features have " + a.length + " values; model " + model + " has dimension " + m.dim());
    }
    double score = 0;
    for (int k = 0; k < a.length; k++) {
      score += m.parameters()[k] * a[k];
    }
    double finalScore = score;
    return json -> {
      json.writeStartObject();
      json.writeStringField("modelId", model);
      json.writeNumberField("runEpoch", m.version().runEpoch());
      json.writeNumberField("version", m.version().version());
      json.writeFieldName("score");
      writeNumber(json, finalScore);
      json.writeFieldName("probability");
      writeNumber(json, 1 / (1 + Math.exp(-finalScore)));
      json.writeNumberField("features", a.length);
      json.writeEndObject();
    };
  }

  private static JsonToken array(JsonParser p, JsonToken t, String field) throws IOException, Refusal {
    if (t != JsonToken.START_ARRAY) {
      throw new Refusal(400, field + " is an array");
    }
    return p.nextToken();
  }

  private static double number(JsonParser p, JsonToken t, String what) throws IOException, Refusal {
    if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
      throw new Refusal(400, what + " is not a number");
    }
    double v = p.getDoubleValue();
    if (!Double.isFinite(v)) {
      throw new Refusal(400, what + " is not finite");
    }
    return v;
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
    java.time.Instant limit = java.time.Instant.now().minus(staleAfter);
    List<String> stale = newest.entrySet().stream().filter(e -> e.getValue().isBefore(limit))
        .map(e -> e.getKey() + " (newest record " + e.getValue() + ")").toList();
    if (!stale.isEmpty()) {
      throw new Refusal(503, "stale: no output within " + staleAfter + " on " + String.join(", ", stale));
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

  static Answer error(String reason) {
    return json -> {
      json.writeStartObject();
      json.writeStringField("error", reason);
      json.writeEndObject();
    };
  }

  /** The answer's JSON, as bytes. */
  static byte[] write(Answer answer) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    try (JsonGenerator json = JSON.createGenerator(body)) {
      answer.write(json);
    }
    return body.toByteArray();
  }
}
