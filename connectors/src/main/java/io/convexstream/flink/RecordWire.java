package io.convexstream.flink;

import java.io.IOException;
import java.io.Serializable;
import java.lang.invoke.LambdaMetafactory;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;
import java.util.function.Supplier;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * A record between two operators of one job, written field by field from its schema: arrays of
 * doubles and ints as runs of primitives, read back into {@link Doubles} and {@link Ints} (lists over
 * primitive arrays), so a gradient's entries are never boxed on the receiving side.
 *
 * <p>Not a storage or wire format for anything outside a running job: both ends are the same class
 * and schema, so nothing is versioned. Avro's own reader boxes every entry through its generic array
 * readers, a large share of the learner's thread at small d; this writes and reads the same fields
 * directly (benchmarks/HISTORY.md). Supports what the input schemas use: records, unions, arrays,
 * maps, strings, bytes, numbers, booleans and {@code timestamp-millis}.
 */
public final class RecordWire<T extends SpecificRecord> implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Class<T> type;
  private transient Schema schema;
  private transient SpecificData data; // the type's own: its class loader and logical-type conversions
  /** A constructor per record schema (Avro's class lookup by schema hashes the whole schema, per record). */
  private transient java.util.IdentityHashMap<Schema, Supplier<SpecificRecord>> constructors;

  public RecordWire(Class<T> type) {
    this.type = type;
    check(schema(), new java.util.HashSet<>());
  }

  private Schema schema() {
    if (schema == null) {
      data = SpecificData.getForClass(type);
      constructors = new java.util.IdentityHashMap<>();
      schema = data.getSchema(type);
    }
    return schema;
  }

  void write(T record, DataOutputView out) throws IOException {
    writeValue(schema(), record, out);
  }

  @SuppressWarnings("unchecked")
  T read(DataInputView in) throws IOException {
    return (T) readValue(schema(), in);
  }

  private static void check(Schema s, java.util.Set<String> seen) {
    switch (s.getType()) {
      case RECORD -> {
        if (seen.add(s.getFullName())) {
          s.getFields().forEach(f -> check(f.schema(), seen));
        }
      }
      case UNION -> s.getTypes().forEach(t -> check(t, seen));
      case ARRAY -> check(s.getElementType(), seen);
      case MAP -> check(s.getValueType(), seen);
      case NULL, BOOLEAN, INT, LONG, FLOAT, DOUBLE, STRING, BYTES -> {
        if (s.getLogicalType() != null && !(s.getLogicalType() instanceof LogicalTypes.TimestampMillis)) {
          throw new IllegalArgumentException("logical type " + s.getLogicalType().getName() + " is not supported between operators");
        }
      }
      default -> throw new IllegalArgumentException(s.getType() + " is not supported between operators");
    }
  }

  private Supplier<SpecificRecord> constructorOf(Schema s) {
    Supplier<SpecificRecord> c = constructors.get(s);
    if (c == null) {
      c = constructor(data.getClass(s));
      constructors.put(s, c);
    }
    return c;
  }

  /** {@code new C()} as a lambda: as fast as the expression, where reflection's constructor call is not. */
  @SuppressWarnings("unchecked")
  private static Supplier<SpecificRecord> constructor(Class<?> c) {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      MethodHandle ctor = lookup.findConstructor(c, MethodType.methodType(void.class));
      return (Supplier<SpecificRecord>) LambdaMetafactory.metafactory(lookup, "get", MethodType.methodType(Supplier.class),
          MethodType.methodType(Object.class), ctor, MethodType.methodType(c)).getTarget().invoke();
    } catch (Throwable e) {
      throw new IllegalStateException("cannot construct " + c.getName(), e);
    }
  }

  /** Bytes after their count (−1: null). */
  static void writeBytes(byte[] b, DataOutputView out) throws IOException {
    if (b == null) {
      out.writeInt(-1);
      return;
    }
    out.writeInt(b.length);
    out.write(b);
  }

  static byte[] readBytes(DataInputView in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      return null;
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }

  /** A string as its UTF-8 bytes ({@link #writeBytes}); Flink's {@code StringValue} fetched a thread-local buffer per string, 5 % of the learner's thread at d = 32. */
  static void writeString(String v, DataOutputView out) throws IOException {
    writeBytes(v == null ? null : v.getBytes(StandardCharsets.UTF_8), out);
  }

  static String readString(DataInputView in) throws IOException {
    byte[] b = readBytes(in);
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }

  private static boolean isTimestamp(Schema s) {
    return s.getLogicalType() instanceof LogicalTypes.TimestampMillis;
  }

  private void writeValue(Schema s, Object v, DataOutputView out) throws IOException {
    switch (s.getType()) {
      case NULL -> { }
      case BOOLEAN -> out.writeBoolean((Boolean) v);
      case INT -> out.writeInt((Integer) v);
      case LONG -> out.writeLong(v instanceof Instant i ? i.toEpochMilli() : (Long) v);
      case FLOAT -> out.writeFloat((Float) v);
      case DOUBLE -> out.writeDouble((Double) v);
      case STRING -> writeString(v.toString(), out);
      case BYTES -> {
        ByteBuffer b = ((ByteBuffer) v).duplicate();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        writeBytes(bytes, out);
      }
      case UNION -> {
        int branch = data.resolveUnion(s, v);
        out.writeByte(branch);
        writeValue(s.getTypes().get(branch), v, out);
      }
      case ARRAY -> writeArray(s.getElementType(), (List<?>) v, out);
      case MAP -> {
        Map<?, ?> m = (Map<?, ?>) v;
        out.writeInt(m.size());
        for (Map.Entry<?, ?> e : m.entrySet()) {
          writeString(e.getKey().toString(), out);
          writeValue(s.getValueType(), e.getValue(), out);
        }
      }
      case RECORD -> {
        SpecificRecord r = (SpecificRecord) v;
        List<Schema.Field> fields = s.getFields();
        for (int i = 0; i < fields.size(); i++) {
          writeValue(fields.get(i).schema(), r.get(i), out);
        }
      }
      default -> throw new IllegalStateException(s.getType().toString());
    }
  }

  private void writeArray(Schema element, List<?> list, DataOutputView out) throws IOException {
    int n = list.size();
    out.writeInt(n);
    switch (element.getType()) {
      case DOUBLE -> {
        if (list instanceof Doubles d) {
          for (int k = 0; k < n; k++) {
            out.writeDouble(d.values[k]);
          }
        } else {
          for (Object o : list) {
            out.writeDouble((Double) o);
          }
        }
      }
      case INT -> {
        for (Object o : list) {
          out.writeInt((Integer) o);
        }
      }
      default -> {
        for (Object o : list) {
          writeValue(element, o, out);
        }
      }
    }
  }

  private Object readValue(Schema s, DataInputView in) throws IOException {
    switch (s.getType()) {
      case NULL:
        return null;
      case BOOLEAN:
        return in.readBoolean();
      case INT:
        return in.readInt();
      case LONG: {
        long v = in.readLong();
        return isTimestamp(s) ? Instant.ofEpochMilli(v) : (Object) v;
      }
      case FLOAT:
        return in.readFloat();
      case DOUBLE:
        return in.readDouble();
      case STRING:
        return readString(in);
      case BYTES:
        return ByteBuffer.wrap(readBytes(in));
      case UNION:
        return readValue(s.getTypes().get(in.readByte()), in);
      case ARRAY:
        return readArray(s.getElementType(), in);
      case MAP: {
        int n = in.readInt();
        Map<String, Object> m = new LinkedHashMap<>(Math.max(4, n * 4 / 3 + 1)); // the order written
        for (int k = 0; k < n; k++) {
          m.put(readString(in), readValue(s.getValueType(), in));
        }
        return m;
      }
      case RECORD: {
        SpecificRecord r = constructorOf(s).get();
        List<Schema.Field> fields = s.getFields();
        for (int i = 0; i < fields.size(); i++) {
          r.put(i, readValue(fields.get(i).schema(), in));
        }
        return r;
      }
      default:
        throw new IllegalStateException(s.getType().toString());
    }
  }

  private List<?> readArray(Schema element, DataInputView in) throws IOException {
    int n = in.readInt();
    switch (element.getType()) {
      case DOUBLE: {
        double[] v = new double[n];
        for (int k = 0; k < n; k++) {
          v[k] = in.readDouble();
        }
        return new Doubles(v);
      }
      case INT: {
        int[] v = new int[n];
        for (int k = 0; k < n; k++) {
          v[k] = in.readInt();
        }
        return new Ints(v);
      }
      default: {
        List<Object> list = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
          list.add(readValue(element, in));
        }
        return list;
      }
    }
  }

  /** A fixed-length list over a {@code double[]} (entries may be set, not added); {@link #toDoubleArray()} copies without boxing. */
  public static final class Doubles extends AbstractList<Double> implements RandomAccess {
    private final double[] values;

    Doubles(double[] values) {
      this.values = values;
    }

    @Override
    public Double get(int k) {
      return values[k];
    }

    @Override
    public Double set(int k, Double v) {
      double old = values[k];
      values[k] = v;
      return old;
    }

    @Override
    public int size() {
      return values.length;
    }

    /** A copy of the entries. */
    public double[] toDoubleArray() {
      return values.clone();
    }
  }

  /** A fixed-length list over an {@code int[]}. */
  public static final class Ints extends AbstractList<Integer> implements RandomAccess {
    private final int[] values;

    Ints(int[] values) {
      this.values = values;
    }

    @Override
    public Integer get(int k) {
      return values[k];
    }

    @Override
    public Integer set(int k, Integer v) {
      int old = values[k];
      values[k] = v;
      return old;
    }

    @Override
    public int size() {
      return values.length;
    }

    /** A copy of the entries. */
    public int[] toIntArray() {
      return values.clone();
    }
  }
}
