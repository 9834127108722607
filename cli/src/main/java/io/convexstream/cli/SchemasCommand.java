package io.convexstream.cli;

import io.convexstream.schemas.codec.SchemaCatalog;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "schemas",
    mixinStandardHelpOptions = true,
    description = {
        "Print every record type's schema: full name, fingerprint and parsing canonical form.",
        "",
        "A message is C3 01, the writer schema's fingerprint, then the Avro binary body. The",
        "fingerprint is CRC-64-AVRO of the schema's parsing canonical form, written as 8 bytes",
        "little-endian: its hex here is as it appears on the wire. Retired versions a reader still",
        "accepts are listed too. --write DIR writes each current schema self-contained (no",
        "reference to another file) as DIR/<full name>.avsc, for producers in other languages.",
        ""})
final class SchemasCommand implements Callable<Integer> {
  @Option(names = "--write", description = "Directory to write <full name>.avsc files into.")
  Path write;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    for (var type : SchemaCatalog.RECORD_TYPES) {
      print(out, SchemaCatalog.schemaOf(type), "");
    }
    for (Schema retired : SchemaCatalog.historicalSchemas()) {
      print(out, retired, " (retired: still read)");
    }
    if (write != null) {
      Files.createDirectories(write);
      for (var type : SchemaCatalog.RECORD_TYPES) {
        Schema s = SchemaCatalog.schemaOf(type);
        Files.writeString(write.resolve(s.getFullName() + ".avsc"), s.toString(true) + "\n"); // named types inlined at first use
      }
      out.println("wrote " + SchemaCatalog.RECORD_TYPES.size() + " schemas to " + write);
    }
    out.flush();
    return 0;
  }

  private static void print(PrintWriter out, Schema s, String note) {
    out.println(s.getFullName() + "  " + wireHex(SchemaNormalization.parsingFingerprint64(s)) + note);
    out.println("  " + SchemaNormalization.toParsingForm(s));
  }

  /** The fingerprint's 8 bytes as they follow C3 01 in a message (little-endian), in hex. */
  static String wireHex(long fingerprint) {
    return String.format("%016x", Long.reverseBytes(fingerprint));
  }
}
