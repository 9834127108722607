package io.convexstream.cli.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.cli.ConvexStreamCli;
import io.convexstream.jobs.Jobs;
import io.convexstream.kafka.Topic;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.flink.configuration.ConfigOption;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;

/**
 * Every manifest under deploy/ checked against the code: the entry class and job names exist, the
 * Flink configuration keys are options Flink knows, the images carry the project's version on the
 * pom's Flink version, the Strimzi topics are exactly what the catalogue generates, and the
 * Prometheus/Grafana files use the metric names the operators register.
 */
class DeployManifestsTest {
  private static final Path DEPLOY = Path.of("..", "deploy");
  /** Option families Flink reads by prefix (reporters, external resources) or from modules not on this classpath. */
  private static final List<String> PREFIXED = List.of("metrics.reporter.prom.", "external-resource.gpu.", "kubernetes.");

  @Test
  void flinkDeploymentsRunExistingJobsWithKnownOptionsAndTheProjectImage() throws Exception {
    Set<String> known = flinkOptionKeys();
    assertThat(known).as("options found on the classpath").hasSizeGreaterThan(300).contains("execution.checkpointing.interval");
    String version = pomValue("version");
    String flinkVersion = pomValue("flink.version");
    List<Map<String, Object>> deployments = new ArrayList<>();
    List<Map<String, Object>> jobs = new ArrayList<>();
    try (Stream<Path> files = Files.list(DEPLOY.resolve("kubernetes/flink"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
        for (Object doc : new Yaml().loadAll(Files.readString(f))) {
          Map<String, Object> m = map(doc);
          if (m.get("kind").equals("FlinkDeployment")) {
            deployments.add(m);
          }
          Map<String, Object> spec = map(m.get("spec"));
          if (spec.containsKey("job")) {
            Map<String, Object> job = new java.util.HashMap<>(map(spec.get("job")));
            if (spec.get("flinkConfiguration") != null) { // the cluster's state backend goes with the job
              job.put("stateBackend", map(spec.get("flinkConfiguration")).get("state.backend.type"));
            }
            jobs.add(job);
          }
        }
      }
    }
    assertThat(deployments).hasSizeGreaterThanOrEqualTo(4);
    for (Map<String, Object> d : deployments) {
      Map<String, Object> spec = map(d.get("spec"));
      boolean gpu = "gpu".equals(map(spec.get("flinkConfiguration")).get("external-resources"));
      // GPU TaskManagers run the image built with ND4J's CUDA backend (ND4J_CUDA=1 docker/build.sh)
      assertThat(spec.get("image")).isEqualTo("convexstream:" + version + (gpu ? "-cuda" : ""));
      assertThat(spec.get("flinkVersion")).isEqualTo("v" + flinkVersion.replaceAll("^(\\d+)\\.(\\d+).*", "$1_$2"));
      for (String key : map(spec.get("flinkConfiguration")).keySet()) {
        assertThat(known.contains(key) || PREFIXED.stream().anyMatch(key::startsWith)).as("Flink option %s", key).isTrue();
      }
    }
    assertThat(jobs).hasSizeGreaterThanOrEqualTo(4);
    Set<String> jobNames = new HashSet<>();
    for (Map<String, Object> job : jobs) {
      assertThat(Class.forName((String) job.get("entryClass")).getMethod("main", String[].class)).isNotNull();
      assertThat((String) job.get("jarURI")).isEqualTo("local:///opt/flink/usrlib/convexstream-jobs-" + version + ".jar");
      @SuppressWarnings("unchecked")
      List<String> args = (List<String>) job.get("args");
      String name = args.get(args.indexOf("--job") + 1);
      assertThat(Jobs.all()).containsKey(name);
      jobNames.add(name);
      // the arguments pass exactly the check `run` makes before it submits (--dry-run builds the job, runs nothing)
      List<String> dryRun = new ArrayList<>(List.of("run"));
      dryRun.addAll(args);
      Object backend = job.get("stateBackend");
      if (backend != null) { // the cluster's state backend, checked as the job option would be (oomd-ec is refused on RocksDB)
        dryRun.addAll(List.of("--set", "state.backend.type=" + backend));
      }
      dryRun.add("--dry-run");
      PrintStream stdout = System.out;
      ByteArrayOutputStream plan = new ByteArrayOutputStream();
      StringWriter errors = new StringWriter();
      int code;
      try {
        System.setOut(new PrintStream(plan, true, StandardCharsets.UTF_8));
        CommandLine cli = ConvexStreamCli.commandLine();
        cli.setErr(new PrintWriter(errors));
        code = cli.execute(dryRun.toArray(String[]::new));
      } finally {
        System.setOut(stdout);
      }
      assertThat(code).as("run --dry-run of %s: %s", name, errors).isZero();
      assertThat(plan.toString(StandardCharsets.UTF_8)).as("plan of %s", name).contains("operators:", "-sink: Writer");
    }
    assertThat(jobNames).contains("gradients", "router-loads", "portfolio");

    String dockerfile = Files.readString(DEPLOY.resolve("docker/Dockerfile"));
    assertThat(dockerfile).contains("ARG FLINK_IMAGE=flink:" + flinkVersion + "-java17")
        .contains("classloader.parent-first-patterns.additional: org.nd4j.;org.bytedeco.");
    String gradients = Files.readString(DEPLOY.resolve("kubernetes/flink/gradients.yaml"));
    assertThat(gradients).contains("external-resource.gpu.kubernetes.config-key: nvidia.com/gpu");
  }

  /**
   * The Strimzi users are what the jobs' topics generate, and every component reaches Kafka on the
   * TLS + SCRAM listener as its own user: each FlinkDeployment's JAAS config comes from the Secret of
   * user convexstream-<its job>, the serving view's from convexstream-serving, and those users exist.
   */
  @Test
  void componentsReachKafkaAsTheirOwnLeastPrivilegeUsers() throws Exception {
    PrintStream stdout = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      assertThat(ConvexStreamCli.commandLine().execute("topics", "--strimzi-users")).isZero();
    } finally {
      System.setOut(stdout);
    }
    String users = Files.readString(DEPLOY.resolve("kubernetes/kafka/users.yaml"));
    assertThat(users).as("deploy/kubernetes/kafka/users.yaml is `convexstream topics --strimzi-users` output")
        .isEqualTo(captured.toString(StandardCharsets.UTF_8));
    Set<String> userNames = new HashSet<>();
    for (Object doc : new Yaml().loadAll(users)) {
      userNames.add((String) map(map(doc).get("metadata")).get("name"));
    }
    assertThat(userNames).contains("convexstream-serving", "convexstream-clients");
    Map<String, Object> kafka = null;
    for (Object doc : new Yaml().loadAll(Files.readString(DEPLOY.resolve("kubernetes/kafka/kafka.yaml")))) {
      if (map(doc).get("kind").equals("Kafka")) {
        kafka = map(map(map(doc).get("spec")).get("kafka"));
      }
    }
    assertThat(kafka.get("listeners").toString()).contains("port=9093", "tls=true", "type=scram-sha-512").doesNotContain("tls=false");
    assertThat(kafka.get("authorization").toString()).contains("type=simple");

    List<Path> manifests = new ArrayList<>();
    try (Stream<Path> files = Files.list(DEPLOY.resolve("kubernetes/flink"))) {
      files.filter(p -> p.toString().endsWith(".yaml")).forEach(manifests::add);
    }
    manifests.add(DEPLOY.resolve("kubernetes/serving.yaml"));
    for (Path f : manifests) {
      String text = Files.readString(f);
      Matcher job = Pattern.compile("\"--job\", \"([a-z-]+)\"").matcher(text);
      String user = job.find() ? "convexstream-" + job.group(1) : "convexstream-serving";
      assertThat(text).as(f.toString()).contains("convexstream-kafka-bootstrap:9093").doesNotContain(":9092")
          .contains("secretKeyRef: {name: " + user + ", key: sasl.jaas.config}", "value: SASL_SSL", "secretName: convexstream-cluster-ca-cert");
      assertThat(userNames).as(f + " runs as").contains(user);
    }
    String serving = Files.readString(DEPLOY.resolve("kubernetes/serving.yaml"));
    assertThat(serving).contains("\"--bind\", \"0.0.0.0\", \"--token-file\"", "secretName: convexstream-serving-tokens");
    // the REST API of Flink and the serving view are closed to everyone but their named callers
    Map<String, String> policies = new java.util.HashMap<>();
    for (Object doc : new Yaml().loadAll(Files.readString(DEPLOY.resolve("kubernetes/network-policies.yaml")))) {
      policies.put((String) map(map(doc).get("metadata")).get("name"), map(map(doc).get("spec")).toString());
    }
    assertThat(policies.get("flink")).contains("policyTypes=[Ingress]", "port=8081", "flink-operator");
    assertThat(policies.get("convexstream-serving")).contains("port=8090", "convexstream.io/serving-reader");
  }

  @Test
  void strimziTopicsAreWhatTheCatalogueGenerates() throws Exception {
    PrintStream stdout = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      assertThat(ConvexStreamCli.commandLine().execute("topics", "--strimzi")).isZero();
    } finally {
      System.setOut(stdout);
    }
    String checkedIn = Files.readString(DEPLOY.resolve("kubernetes/kafka/topics.yaml"));
    assertThat(checkedIn).as("deploy/kubernetes/kafka/topics.yaml is `convexstream topics --strimzi` output")
        .isEqualTo(captured.toString(StandardCharsets.UTF_8));
    Set<String> names = new HashSet<>();
    for (Object doc : new Yaml().loadAll(checkedIn)) {
      Map<String, Object> spec = map(map(doc).get("spec"));
      names.add((String) spec.get("topicName"));
      assertThat(spec.get("partitions")).isEqualTo(Topic.DEFAULT_PARTITIONS);
    }
    for (Topic t : Topic.values()) {
      assertThat(names).contains(t.topicName());
    }
  }

  @Test
  void prometheusAndGrafanaUseTheRegisteredMetricNames() throws IOException {
    String alerts = Files.readString(DEPLOY.resolve("prometheus/alerts.yml"));
    for (Object group : (List<?>) map(new Yaml().load(alerts)).get("groups")) {
      for (Object rule : (List<?>) map(group).get("rules")) {
        assertThat(map(rule)).containsKeys("alert", "expr");
      }
    }
    assertThat(Files.readString(DEPLOY.resolve("prometheus/prometheus.yml"))).contains("alerts.yml");
    String dashboard = Files.readString(DEPLOY.resolve("grafana/convexstream-dashboard.json")) + alerts;
    Matcher m = Pattern.compile("flink_taskmanager_job_task_operator_convexstream_(\\w+)").matcher(dashboard);
    Set<String> used = new HashSet<>();
    while (m.find()) {
      used.add(m.group(1));
    }
    String metricsDoc = Files.readString(Path.of("..", "docs", "METRICS.md"));
    for (String name : used) {
      // applied, late, ... or model_loss, layer_maxVioBatch, strategy_wealth: a documented metric of a documented group
      String metric = name.contains("_") ? name.substring(name.indexOf('_') + 1) : name;
      assertThat(metricsDoc).as("METRICS.md documents %s", name).contains(metric);
    }
    assertThat(used).contains("applied", "deadLettered", "late", "updateMicros", "model_loss", "layer_maxVioGlobal", "strategy_wealth",
        "msSinceOutput", "portfolio_msSinceOutput");
    assertThat(Files.readString(DEPLOY.resolve("prometheus/prometheus.yml"))).contains("9249");
  }

  /** Keys (and fallback keys) of every ConfigOption constant in Flink's *Options classes on the classpath. */
  private static Set<String> flinkOptionKeys() throws IOException {
    Set<String> keys = new HashSet<>();
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      if (!entry.endsWith(".jar") || !Path.of(entry).getFileName().toString().startsWith("flink-")) {
        continue;
      }
      try (JarFile jar = new JarFile(entry)) {
        for (String cls : jar.stream().map(e -> e.getName())
            .filter(n -> n.startsWith("org/apache/flink/") && n.endsWith("Options.class") && !n.contains("$")).toList()) {
          try {
            for (Field f : Class.forName(cls.replace('/', '.').replace(".class", ""), false, DeployManifestsTest.class.getClassLoader())
                .getFields()) {
              if (Modifier.isStatic(f.getModifiers()) && ConfigOption.class.isAssignableFrom(f.getType())) {
                ConfigOption<?> o = (ConfigOption<?>) f.get(null);
                keys.add(o.key());
                o.fallbackKeys().forEach(k -> keys.add(k.getKey()));
              }
            }
          } catch (ReflectiveOperationException | LinkageError e) {
            // a class whose dependencies are not on this classpath: its options cannot be read
          }
        }
      }
    }
    return keys;
  }

  private static String pomValue(String tag) throws IOException {
    String pom = Files.readString(Path.of("..", "pom.xml"));
    Matcher m = Pattern.compile("<" + Pattern.quote(tag) + ">([^<]+)</" + Pattern.quote(tag) + ">").matcher(pom);
    assertThat(m.find()).as("<%s> in pom.xml", tag).isTrue();
    return m.group(1);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }
}
