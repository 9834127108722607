package io.convexstream.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The secured broker from outside: every port its process listens on refuses a client without the
 * right credentials, the broker's listener and the controller's alike (an Admin client given the
 * port as a bootstrap server or as a bootstrap controller), and the super user's SCRAM credentials
 * do not open the controller's listener. With a data directory its users, credentials and ACLs
 * outlive a restart, and the directory is never started as a plain broker.
 */
class SecureBrokerIT {
  private static final AclBinding READ_BY_U = new AclBinding(new ResourcePattern(ResourceType.TOPIC, "t", PatternType.LITERAL),
      new AccessControlEntry("User:u", "*", AclOperation.READ, AclPermissionType.ALLOW));

  @Test
  void noPortTheBrokerOpensLetsAClientInWithoutCredentials() throws Exception {
    Set<Integer> before = listeningPorts();
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startSecure(0)) {
      Set<Integer> opened = openedSince(before);
      int brokerPort = Integer.parseInt(broker.bootstrapServers().split(":")[1]);
      assertThat(opened).as("the broker's listener and its controller's").hasSize(2).contains(brokerPort);

      try (Admin admin = admin(broker.adminConnection().config(Map.of()))) { // the super user gets in on the broker's port
        admin.createAcls(List.of(READ_BY_U)).all().get(30, TimeUnit.SECONDS);
        assertThat(admin.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS)).contains(READ_BY_U);
      }
      Map<String, Object> adminScram = new HashMap<>(broker.adminConnection().config(Map.of()));
      adminScram.remove(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG);
      for (int port : opened) {
        String address = "127.0.0.1:" + port;
        assertRefused(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, address), "no credentials, bootstrap server " + address);
        assertRefused(Map.of(AdminClientConfig.BOOTSTRAP_CONTROLLERS_CONFIG, address), "no credentials, bootstrap controller " + address);
        if (port != brokerPort) {
          Map<String, Object> scram = new HashMap<>(adminScram);
          scram.put(AdminClientConfig.BOOTSTRAP_CONTROLLERS_CONFIG, address);
          assertRefused(scram, "the super user's SCRAM credentials on the controller " + address);
          Map<String, Object> plain = new HashMap<>(scram);
          plain.putAll(plain(broker, EmbeddedKafkaBroker.ADMIN, adminPassword(broker)));
          plain.remove(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG);
          assertRefused(plain, "the super user's PLAIN credentials on the controller " + address);
        }
      }
    }
  }

  /**
   * Both ports speak TLS only: a Kafka request in clear (ApiVersions) gets no Kafka answer, only a TLS
   * alert or a closed connection, and a TLS handshake that trusts the broker's CA succeeds for
   * 127.0.0.1 (hostname verification on).
   */
  @Test
  void everyPortSpeaksTlsOnly() throws Exception {
    Set<Integer> before = listeningPorts();
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startSecure(0)) {
      Set<Integer> opened = openedSince(before);
      java.security.KeyStore trust = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
      trust.load(null, null);
      try (var in = Files.newInputStream(broker.caCertificate())) {
        trust.setCertificateEntry("ca", java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
      }
      var trustManagers = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
      trustManagers.init(trust);
      javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
      tls.init(null, trustManagers.getTrustManagers(), null);
      for (int port : opened) {
        try (java.net.Socket plain = new java.net.Socket("127.0.0.1", port)) {
          plain.setSoTimeout(10_000);
          // ApiVersions v0: size, api key 18, version 0, correlation id 7, client id "probe"
          java.nio.ByteBuffer request = java.nio.ByteBuffer.allocate(4 + 2 + 2 + 4 + 2 + 5);
          request.putInt(2 + 2 + 4 + 2 + 5).putShort((short) 18).putShort((short) 0).putInt(7).putShort((short) 5)
              .put("probe".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
          plain.getOutputStream().write(request.array());
          int first;
          try {
            first = plain.getInputStream().read();
          } catch (java.net.SocketException e) {
            first = -1; // reset: closed on us
          }
          assertThat(first).as("port %d answers a clear request with a TLS alert (21) or nothing", port).isIn(-1, 21);
        }
        try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port)) {
          javax.net.ssl.SSLParameters p = socket.getSSLParameters();
          p.setEndpointIdentificationAlgorithm("HTTPS");
          socket.setSSLParameters(p);
          socket.startHandshake();
          assertThat(socket.getSession().getProtocol()).as("port %d", port).startsWith("TLSv1.");
        }
      }
    }
  }

  @Test
  void aDurableSecuredBrokerKeepsItsUsersAndAclsAcrossARestart(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("kafka");
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startSecure(0, data)) {
      broker.createUser("u", "u-password");
      broker.allow(List.of(READ_BY_U));
    }
    assertThat(Files.getPosixFilePermissions(data.resolve(EmbeddedKafkaBroker.ADMIN_PASSWORD_FILE)))
        .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
            java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
    assertThatThrownBy(() -> EmbeddedKafkaBroker.start(0, data)).hasMessageContaining("start it with --secure");
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startSecure(0, data);
        Admin admin = admin(broker.adminConnection().config(Map.of()))) {
      assertThat(admin.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS)).containsExactly(READ_BY_U);
      assertThat(admin.describeUserScramCredentials(List.of("u")).all().get(30, TimeUnit.SECONDS)).containsKey("u");
      try (Admin user = admin(broker.connection("u", "u-password").config(Map.of()))) { // its password still holds
        assertThat(user.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
      }
      // the same user and password over SASL/PLAIN inside TLS, for clients whose SCRAM fails; a wrong password is refused
      try (Admin plain = admin(plain(broker, "u", "u-password"))) {
        assertThat(plain.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
      }
      assertRefused(plain(broker, "u", "not-u-password"), "PLAIN with a wrong password");
    }
    Path plain = dir.resolve("plain");
    EmbeddedKafkaBroker.start(0, plain).close();
    assertThatThrownBy(() -> EmbeddedKafkaBroker.startSecure(0, plain)).hasMessageContaining("start it without --secure");
  }

  /** The super user's password, from its SCRAM login configuration. */
  private static String adminPassword(EmbeddedKafkaBroker broker) {
    String jaas = broker.adminConnection().clientProperties().get("sasl.jaas.config");
    return jaas.replaceAll(".*password=\"([^\"]*)\".*", "$1");
  }

  /** A client of {@code broker} as {@code user} with SASL/PLAIN over TLS. */
  private static Map<String, Object> plain(EmbeddedKafkaBroker broker, String user, String password) {
    Map<String, Object> c = new HashMap<>(broker.connection(user, password).config(Map.of()));
    c.put("sasl.mechanism", "PLAIN");
    c.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + user + "\" password=\""
        + password + "\";");
    return c;
  }

  private static Admin admin(Map<String, Object> config) {
    return admin(config, 30_000);
  }

  private static Admin admin(Map<String, Object> config, int timeoutMillis) {
    Map<String, Object> c = new HashMap<>(config);
    c.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMillis);
    c.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMillis / 2);
    return Admin.create(c);
  }

  /**
   * A client with {@code config} can neither list the ACLs nor create one (a client a listener does
   * not authenticate gets no answer at all: 4 s, where an allowed one answers in milliseconds).
   */
  private static void assertRefused(Map<String, Object> config, String what) {
    try (Admin admin = admin(config, 4_000)) {
      assertThatThrownBy(() -> admin.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS)).as(what)
          .isInstanceOf(java.util.concurrent.ExecutionException.class);
      assertThatThrownBy(() -> admin.createAcls(List.of(READ_BY_U)).all().get(30, TimeUnit.SECONDS)).as(what)
          .isInstanceOf(java.util.concurrent.ExecutionException.class);
    }
  }

  /** The ports this process listens on now and did not at {@code before}: the broker's, started since. */
  private static Set<Integer> openedSince(Set<Integer> before) throws IOException {
    Set<Integer> opened = listeningPorts();
    opened.removeAll(before);
    return opened;
  }

  /** The TCP ports this process listens on: its sockets (/proc/self/fd) in LISTEN state (/proc/net/tcp, tcp6). */
  private static Set<Integer> listeningPorts() throws IOException {
    Set<String> inodes = new HashSet<>();
    try (var fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : (Iterable<Path>) fds::iterator) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            inodes.add(target.substring(8, target.length() - 1));
          }
        } catch (IOException e) {
          // closed while listing
        }
      }
    }
    Set<Integer> ports = new HashSet<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      List<String> lines = Files.readAllLines(Path.of(table));
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.trim().split("\\s+");
        if (f[3].equals("0A") && inodes.contains(f[9])) { // 0A: LISTEN
          ports.add(Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16));
        }
      }
    }
    return ports;
  }
}
