package io.convexstream.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The secured broker's TLS material, made once in {@code <data dir>/tls} with the JDK's keytool: a
 * certificate authority of its own (EC P-256, ten years) and a broker certificate it signs for
 * localhost and 127.0.0.1, in a PKCS12 keystore; clients trust the CA's certificate ({@code
 * ca.crt}, PEM). The keystores' password is random and kept beside them; every file is readable by
 * its owner only. A durable broker keeps them, so its clients' trust outlives restarts.
 */
final class BrokerCertificates {
  /** keytool reads the keystores' password from this environment variable, never from its command line (`ps`). */
  private static final String PASSWORD_VARIABLE = "CONVEXSTREAM_KEYTOOL_PASSWORD";
  private final Path dir;

  private BrokerCertificates(Path dir) {
    this.dir = dir;
  }

  /** The material under {@code dataDir}/tls, made first if missing. */
  static BrokerCertificates in(Path dataDir) {
    BrokerCertificates c = new BrokerCertificates(dataDir.resolve("tls"));
    if (!Files.exists(c.caCertificate())) {
      c.make();
    }
    return c;
  }

  /** The CA certificate clients trust (PEM): ssl.truststore.type=PEM, ssl.truststore.location=this. */
  Path caCertificate() {
    return dir.resolve("ca.crt");
  }

  /** The broker's key and certificate chain (PKCS12). */
  Path keystore() {
    return dir.resolve("broker.p12");
  }

  String password() {
    try {
      return Files.readString(dir.resolve("password")).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void make() {
    try {
      Files.createDirectories(dir);
      Path password = dir.resolve("password");
      Files.writeString(password, java.util.UUID.randomUUID().toString());
      EmbeddedKafkaBroker.ownerOnly(password);
      String pw = password();
      Path ca = dir.resolve("ca.p12");
      Path request = dir.resolve("broker.csr");
      Path signed = dir.resolve("broker.crt");
      keytool(pw, "-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=convexstream local broker CA",
          "-ext", "bc:c", "-validity", "3650", "-storetype", "PKCS12", "-keystore", ca.toString(), "-storepass:env", PASSWORD_VARIABLE);
      keytool(pw, "-exportcert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-storepass:env", PASSWORD_VARIABLE, "-file", caCertificate().toString());
      keytool(pw, "-genkeypair", "-alias", "broker", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost", "-validity", "3650",
          "-storetype", "PKCS12", "-keystore", keystore().toString(), "-storepass:env", PASSWORD_VARIABLE);
      keytool(pw, "-certreq", "-alias", "broker", "-keystore", keystore().toString(), "-storepass:env", PASSWORD_VARIABLE, "-file", request.toString());
      keytool(pw, "-gencert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-storepass:env", PASSWORD_VARIABLE, "-infile", request.toString(),
          "-outfile", signed.toString(), "-ext", "san=dns:localhost,ip:127.0.0.1", "-validity", "3650");
      keytool(pw, "-importcert", "-noprompt", "-alias", "ca", "-file", caCertificate().toString(), "-keystore", keystore().toString(),
          "-storepass:env", PASSWORD_VARIABLE);
      keytool(pw, "-importcert", "-alias", "broker", "-file", signed.toString(), "-keystore", keystore().toString(), "-storepass:env", PASSWORD_VARIABLE);
      Files.delete(request);
      Files.delete(signed);
      for (Path f : List.of(ca, keystore(), caCertificate())) {
        EmbeddedKafkaBroker.ownerOnly(f);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make the broker's TLS certificates in " + dir, e);
    }
  }

  /** Runs the keytool of this JVM's JDK on keystores whose password is {@code password}. */
  private static void keytool(String password, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put(PASSWORD_VARIABLE, password);
    Process p = builder.start();
    String output = new String(p.getInputStream().readAllBytes());
    try {
      if (p.waitFor() != 0) {
        throw new IOException("keytool " + args[0] + " failed: " + output.strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running keytool", e);
    }
  }
}
