package io.convexstream.serving;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
        "Serve the latest parameters, expert biases and portfolio decisions over HTTP.",
        "",
        "A Kafka Streams application materialises the output topics into state stores",
        "(restored from their changelog topics on restart) and answers, as JSON:",
        "  GET /models/{model}                 whole parameters (rebuilt from snapshots and deltas), version, metrics",
        "  GET /models/{model}/history?n=N     the last N versions and their metrics",
        "  GET /moe/{model}/layers/{layer}[/history?n=N]",
        "  GET /portfolios/{portfolio}  and  /portfolios/{p}/strategies/{s}/history?n=N",
        "  GET /health, /ready, /fresh (503 once an output topic had no record for --stale-after)",
        "",
        "It listens on 127.0.0.1 unless --bind says otherwise. With --token-file every request but",
        "/health and /ready needs 'Authorization: Bearer <one of the file's tokens>' (401 without, 403",
        "with another); with --tls-keystore it speaks HTTPS.",
        ""})
public final class ServeCommand implements Callable<Integer> {
  @picocli.CommandLine.Mixin
  io.convexstream.kafka.KafkaOptions kafkaOptions;

  @Option(names = "--port", defaultValue = "8090", description = "HTTP port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--application-id", defaultValue = "convexstream-serving", description = "Kafka Streams application id: consumer group and changelog topic prefix (default: ${DEFAULT-VALUE}).")
  String applicationId;

  @Option(names = "--state-dir", defaultValue = "serving-state", description = "Local state directory (default: ${DEFAULT-VALUE}).")
  Path stateDir;

  @Option(names = "--history", defaultValue = "20", description = "Versions kept per key (default: ${DEFAULT-VALUE}).")
  int history;

  @Option(names = "--stale-after", defaultValue = "PT10M", description = {"/fresh answers 503 once an output topic written before",
      "had no record for this long, ISO-8601 (default: ${DEFAULT-VALUE})."})
  java.time.Duration staleAfter;

  @Option(names = "--bind", defaultValue = "127.0.0.1", description = "Address to listen on; 0.0.0.0 for every interface (default: ${DEFAULT-VALUE}).")
  String bind;

  @Option(names = "--token-file", description = "Bearer tokens, one per line ('#' comments): requests must carry one (a Kubernetes Secret mounted as a file).")
  Path tokenFile;

  @Option(names = "--tls-keystore", description = "PKCS12 keystore with the server's key and certificate: serve HTTPS.")
  Path tlsKeystore;

  @Option(names = "--tls-password-file", description = "File holding the keystore's password (first line).")
  Path tlsPasswordFile;

  @Override
  public Integer call() throws Exception {
    java.util.Set<String> tokens = new java.util.HashSet<>();
    if (tokenFile != null) {
      for (String line : secretLines("--token-file", tokenFile)) {
        if (!line.isBlank() && !line.strip().startsWith("#")) {
          tokens.add(line.strip());
        }
      }
      if (tokens.isEmpty()) {
        throw new IllegalArgumentException("--token-file " + tokenFile + " holds no token");
      }
    }
    if (tlsKeystore != null && tlsPasswordFile == null) {
      throw new IllegalArgumentException("--tls-keystore needs --tls-password-file (a file holding the keystore's password)");
    }
    if (tlsKeystore != null && !java.nio.file.Files.isReadable(tlsKeystore)) {
      throw new IllegalArgumentException("--tls-keystore " + tlsKeystore + " does not exist or cannot be read");
    }
    javax.net.ssl.SSLContext tls = null;
    if (tlsKeystore != null) {
      List<String> password = secretLines("--tls-password-file", tlsPasswordFile);
      if (password.isEmpty()) {
        throw new IllegalArgumentException("--tls-password-file " + tlsPasswordFile + " is empty");
      }
      tls = ServingHttp.tls(tlsKeystore, password.get(0).strip().toCharArray());
    }
    List<io.convexstream.kafka.Topic> outputs = java.util.Arrays.stream(io.convexstream.kafka.Topic.values())
        .filter(t -> t.kind() == io.convexstream.kafka.Topic.Kind.OUTPUT).toList();
    ServingView view = ServingView.start(kafkaOptions.checkedConnection(outputs, List.of()), applicationId, stateDir, history);
    ServingHttp http = ServingHttp.start(view, new ServingHttp.Options(bind, port, staleAfter, tokens, tls));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      http.close();
      view.close();
    }, "convexstream-serve-shutdown"));
    System.out.println("serving view: " + http.address() + " on " + bind + (tokens.isEmpty() ? "" : ", bearer tokens required")
        + "  (ready: " + http.address() + "/ready; Ctrl-C stops)");
    new CountDownLatch(1).await();
    return 0;
  }

  /**
   * The lines of a file holding secrets: a clear error where it is missing, and a warning where
   * other users may read it (a Kubernetes Secret's files are 0644 unless its defaultMode says otherwise).
   */
  private static List<String> secretLines(String option, Path file) throws java.io.IOException {
    if (!java.nio.file.Files.isReadable(file)) {
      throw new IllegalArgumentException(option + " " + file + " does not exist or cannot be read");
    }
    try {
      var mode = java.nio.file.Files.getPosixFilePermissions(file);
      if (mode.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ)
          || mode.contains(java.nio.file.attribute.PosixFilePermission.GROUP_READ)) {
        System.err.println("warning: " + option + " " + file + " is readable by other users ("
            + java.nio.file.attribute.PosixFilePermissions.toString(mode) + "); chmod 600 it");
      }
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: nothing to say about its permissions
    }
    return java.nio.file.Files.readAllLines(file);
  }
}
