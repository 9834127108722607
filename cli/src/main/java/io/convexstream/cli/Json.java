package io.convexstream.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * The JSON the command line writes (learn, backtest): Jackson, on one line, with a space after each
 * ':' and ','; numbers as Java's shortest round-trip form, and a number JSON has no form for (NaN,
 * ±∞) as null — the rule for every JSON the project writes itself (records in Avro's JSON encoding
 * keep Avro's strings).
 */
final class Json {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  /** {@code v}, or null where JSON has no number for it. */
  static Double number(double v) {
    return Double.isFinite(v) ? v : null;
  }

  /** {@code values} as an array of numbers (null where not finite). */
  static ArrayNode numbers(double... values) {
    ArrayNode a = MAPPER.createArrayNode();
    for (double v : values) {
      a.add(number(v));
    }
    return a;
  }

  static String write(JsonNode node) {
    try {
      return MAPPER.writer(new Spaced()).writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** One line, a space after each ':' and ','. */
  private static final class Spaced extends MinimalPrettyPrinter {
    @Override
    public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
      g.writeRaw(": ");
    }

    @Override
    public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
      g.writeRaw(", ");
    }

    @Override
    public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
      g.writeRaw(", ");
    }
  }
}
