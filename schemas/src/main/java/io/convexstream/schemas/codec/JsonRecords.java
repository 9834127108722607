package io.convexstream.schemas.codec;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;

/**
 * Reads Avro's JSON encoding of a record into a generic datum of its schema. Avro's own JSON decoder
 * needs every field and cannot read back the "NaN"/"Infinity" strings its encoder writes; this reader
 * fills left-out fields with their defaults (as a binary reader does for an older writer schema) and
 * takes non-finite numbers, so they reach validation and are rejected there with the same reason as
 * in binary records. A field the schema does not have is an error (a typo would drop an optional
 * field silently). Errors name the field path.
 */
final class JsonRecords {
  private static final ObjectMapper JSON = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

  private JsonRecords() {}

  /** The record in {@code text}, a datum of {@code schema}; IllegalArgumentException names what is wrong and where. */
  static GenericData.Record read(Schema schema, String text) {
    JsonNode tree;
    try {
      tree = JSON.readTree(text);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("not JSON: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
    }
    if (tree == null || !tree.isObject()) {
      throw new IllegalArgumentException("not one JSON object");
    }
    return (GenericData.Record) datum(schema, tree, "");
  }

  private static Object datum(Schema s, JsonNode n, String path) {
    switch (s.getType()) {
      case NULL:
        if (n.isNull()) {
          return null;
        }
        break;
      case BOOLEAN:
        if (n.isBoolean()) {
          return n.booleanValue();
        }
        break;
      case INT:
        if (n.isInt()) {
          return n.intValue();
        }
        break;
      case LONG:
        if (n.isIntegralNumber() && n.canConvertToLong()) {
          return n.longValue();
        }
        break;
      case FLOAT:
      case DOUBLE: {
        Double d = number(n);
        if (d != null) {
          return s.getType() == Schema.Type.FLOAT ? (Object) d.floatValue() : (Object) d;
        }
        break;
      }
      case STRING:
        if (n.isTextual()) {
          return n.textValue();
        }
        break;
      case BYTES:
        if (n.isTextual()) { // Avro's JSON encoding: one char (U+0000..U+00FF) per byte
          return ByteBuffer.wrap(n.textValue().getBytes(StandardCharsets.ISO_8859_1));
        }
        break;
      case FIXED:
        if (n.isTextual() && n.textValue().length() == s.getFixedSize()) {
          return new GenericData.Fixed(s, n.textValue().getBytes(StandardCharsets.ISO_8859_1));
        }
        break;
      case ENUM:
        if (n.isTextual() && s.hasEnumSymbol(n.textValue())) {
          return new GenericData.EnumSymbol(s, n.textValue());
        }
        break;
      case ARRAY:
        if (n.isArray()) {
          List<Object> items = new ArrayList<>(n.size());
          for (int i = 0; i < n.size(); i++) {
            items.add(datum(s.getElementType(), n.get(i), path + "[" + i + "]"));
          }
          return new GenericData.Array<>(s, items);
        }
        break;
      case MAP:
        if (n.isObject()) {
          Map<String, Object> map = new HashMap<>();
          for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            map.put(e.getKey(), datum(s.getValueType(), e.getValue(), path + "." + e.getKey()));
          }
          return map;
        }
        break;
      case UNION:
        return union(s, n, path);
      case RECORD:
        if (n.isObject()) {
          for (Iterator<String> names = n.fieldNames(); names.hasNext();) {
            String name = names.next();
            if (s.getField(name) == null) { // a typo would otherwise drop an optional field silently
              throw new IllegalArgumentException((path.isEmpty() ? "" : path + ".") + name + ": no such field in " + s.getName()
                  + " (fields: " + s.getFields().stream().map(Schema.Field::name).toList() + ")");
            }
          }
          GenericData.Record r = new GenericData.Record(s);
          for (Schema.Field f : s.getFields()) {
            JsonNode v = n.get(f.name());
            String at = path.isEmpty() ? f.name() : path + "." + f.name();
            if (v != null) {
              r.put(f.pos(), datum(f.schema(), v, at));
            } else if (f.hasDefaultValue()) {
              r.put(f.pos(), GenericData.get().getDefaultValue(f));
            } else {
              throw new IllegalArgumentException(at + ": missing (the field has no default)");
            }
          }
          return r;
        }
        break;
      default:
        break;
    }
    throw new IllegalArgumentException((path.isEmpty() ? "record" : path) + ": expected " + describe(s) + ", got " + shown(n));
  }

  /** A union value: JSON null for the null branch, else {"branch name": value} (a record's full name or a type's name). */
  private static Object union(Schema s, JsonNode n, String path) {
    if (n.isNull() && s.getTypes().stream().anyMatch(t -> t.getType() == Schema.Type.NULL)) {
      return null;
    }
    if (n.isObject() && n.size() == 1) {
      String name = n.fieldNames().next();
      for (Schema branch : s.getTypes()) {
        if (branch.getFullName().equals(name) || branch.getName().equals(name)) {
          return datum(branch, n.get(name), path);
        }
      }
    }
    List<String> names = s.getTypes().stream().map(Schema::getFullName).toList();
    throw new IllegalArgumentException(path + ": expected a union value of " + names + " as null or {\"<type>\": value}"
        + " (Avro's JSON encoding, e.g. {\"double\": 1.5}), got " + shown(n));
  }

  /** A JSON number, or NaN/Infinity as a bare token or as the string Avro's encoder writes. */
  private static Double number(JsonNode n) {
    if (n.isNumber()) {
      return n.doubleValue();
    }
    if (n.isTextual()) {
      return switch (n.textValue()) {
        case "NaN" -> Double.NaN;
        case "Infinity" -> Double.POSITIVE_INFINITY;
        case "-Infinity" -> Double.NEGATIVE_INFINITY;
        default -> null;
      };
    }
    return null;
  }

  private static String describe(Schema s) {
    String logical = s.getLogicalType() == null ? "" : " (" + s.getLogicalType().getName() + ")";
    return switch (s.getType()) {
      case RECORD -> "an object (" + s.getName() + ")";
      case ARRAY -> "an array of " + s.getElementType().getType().getName();
      case MAP -> "an object of " + s.getValueType().getType().getName();
      case ENUM -> "one of " + s.getEnumSymbols();
      default -> "a " + s.getType().getName() + logical;
    };
  }

  private static String shown(JsonNode n) {
    String text = n.toString();
    return text.length() > 40 ? text.substring(0, 40) + "…" : text;
  }
}
