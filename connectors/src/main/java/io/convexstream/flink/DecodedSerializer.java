package io.convexstream.flink;

import io.convexstream.connectors.flink.Decoded;
import java.io.IOException;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.util.InstantiationUtil;

/**
 * How a {@link Decoded} record crosses the network between operators (the {@code keyBy} after
 * decoding): its origin, then the value field by field ({@link RecordWire}: numeric arrays as
 * primitives, never boxed on arrival).
 *
 * <p>It takes the place, on these edges only, of the POJO serializer with Flink's Avro serializer
 * inside, which builds every record by reflection and reads Avro through boxing generic readers: a
 * large share of the learner's thread at small d (benchmarks/HISTORY.md). Records kept in state keep {@link
 * Decoded#typeInfo} (a POJO, as savepoints hold them).
 */
public final class DecodedSerializer<T extends SpecificRecord> extends TypeSerializer<Decoded<T>> {
  private static final long serialVersionUID = 1L;

  private final Class<T> type;
  private final RecordWire<T> wire;

  public DecodedSerializer(Class<T> type) {
    this.type = type;
    this.wire = new RecordWire<>(type);
  }

  /** Type information of a stream of {@code Decoded<T>} between operators, serialized by this class. */
  public static <T extends SpecificRecord> TypeInformation<Decoded<T>> streamOf(Class<T> type) {
    return new Info<>(type);
  }

  @Override
  public boolean isImmutableType() {
    return false;
  }

  @Override
  public TypeSerializer<Decoded<T>> duplicate() {
    return new DecodedSerializer<>(type); // RecordWire fills caches as it reads: one per thread
  }

  @Override
  public Decoded<T> createInstance() {
    return new Decoded<>();
  }

  @Override
  public Decoded<T> copy(Decoded<T> from) {
    Decoded<T> to = new Decoded<>();
    to.value = from.value == null ? null : SpecificData.getForClass(type).deepCopy(from.value.getSchema(), from.value);
    to.topic = from.topic;
    to.partition = from.partition;
    to.offset = from.offset;
    to.key = from.key == null ? null : from.key.clone();
    return to;
  }

  @Override
  public Decoded<T> copy(Decoded<T> from, Decoded<T> reuse) {
    return copy(from);
  }

  @Override
  public int getLength() {
    return -1;
  }

  @Override
  public void serialize(Decoded<T> record, DataOutputView out) throws IOException {
    RecordWire.writeString(record.topic, out); // null-safe
    out.writeInt(record.partition);
    out.writeLong(record.offset);
    RecordWire.writeBytes(record.key, out);
    wire.write(record.value, out);
  }

  @Override
  public Decoded<T> deserialize(DataInputView in) throws IOException {
    Decoded<T> d = new Decoded<>();
    d.topic = RecordWire.readString(in);
    d.partition = in.readInt();
    d.offset = in.readLong();
    d.key = RecordWire.readBytes(in);
    d.value = wire.read(in);
    return d;
  }

  @Override
  public Decoded<T> deserialize(Decoded<T> reuse, DataInputView in) throws IOException {
    return deserialize(in);
  }

  @Override
  public void copy(DataInputView in, DataOutputView out) throws IOException {
    RecordWire.writeString(RecordWire.readString(in), out);
    out.writeInt(in.readInt());
    out.writeLong(in.readLong());
    RecordWire.writeBytes(RecordWire.readBytes(in), out);
    wire.write(wire.read(in), out);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DecodedSerializer<?> other && other.type == type;
  }

  @Override
  public int hashCode() {
    return type.hashCode();
  }

  @Override
  public TypeSerializerSnapshot<Decoded<T>> snapshotConfiguration() {
    return new Snapshot<>(type);
  }

  /** Names the value's class; required of every serializer, though records between operators are never restored. */
  public static final class Snapshot<T extends SpecificRecord> implements TypeSerializerSnapshot<Decoded<T>> {
    private Class<T> type;

    public Snapshot() {}

    Snapshot(Class<T> type) {
      this.type = type;
    }

    @Override
    public int getCurrentVersion() {
      return 1;
    }

    @Override
    public void writeSnapshot(DataOutputView out) throws IOException {
      out.writeUTF(type.getName());
    }

    @Override
    public void readSnapshot(int version, DataInputView in, ClassLoader loader) throws IOException {
      type = InstantiationUtil.resolveClassByName(in, loader);
    }

    @Override
    public TypeSerializer<Decoded<T>> restoreSerializer() {
      return new DecodedSerializer<>(type);
    }

    @Override
    public TypeSerializerSchemaCompatibility<Decoded<T>> resolveSchemaCompatibility(TypeSerializerSnapshot<Decoded<T>> old) {
      return old instanceof Snapshot<T> s && s.type == type
          ? TypeSerializerSchemaCompatibility.compatibleAsIs() : TypeSerializerSchemaCompatibility.incompatible();
    }
  }

  private static final class Info<T extends SpecificRecord> extends TypeInformation<Decoded<T>> {
    private static final long serialVersionUID = 1L;
    private final Class<T> type;

    Info(Class<T> type) {
      this.type = type;
    }

    @Override
    public boolean isBasicType() {
      return false;
    }

    @Override
    public boolean isTupleType() {
      return false;
    }

    @Override
    public int getArity() {
      return 1;
    }

    @Override
    public int getTotalFields() {
      return 1;
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Class<Decoded<T>> getTypeClass() {
      return (Class) Decoded.class;
    }

    @Override
    public boolean isKeyType() {
      return false;
    }

    @Override
    public TypeSerializer<Decoded<T>> createSerializer(SerializerConfig config) {
      return new DecodedSerializer<>(type);
    }

    @Override
    public String toString() {
      return "Decoded<" + type.getSimpleName() + ">";
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Info<?> other && other.type == type;
    }

    @Override
    public int hashCode() {
      return type.hashCode();
    }

    @Override
    public boolean canEqual(Object o) {
      return o instanceof Info;
    }
  }
}
