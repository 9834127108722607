package io.convexstream.streams.local;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.jobmanager.JobManagerProcessSpec;
import org.apache.flink.runtime.jobmanager.JobManagerProcessUtils;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;

/**
 * A Flink standalone session cluster as separate processes on this machine: one JobManager and
 * some TaskManagers, each a JVM started from this process's classpath (the jobs' classes and ND4J
 * included, so jobs are submitted without jars, like a distribution with everything in lib/). What
 * deploy/local/start-local.sh runs when no Flink tarball is given, and what LocalProcessesIT tests.
 * The processes stop with {@link #close()} (or when this JVM exits).
 */
public final class StandaloneCluster implements AutoCloseable {
  /** Flink on Java 17 needs reflective access to these JDK packages (as the convexstream launcher). */
  private static final List<String> OPENS = List.of("java.util", "java.lang", "java.lang.reflect", "java.io",
      "java.nio", "sun.nio.ch", "java.net", "java.time", "java.util.concurrent", "java.util.concurrent.atomic");

  private final List<Process> processes;
  private final FlinkRest rest;
  private final Path dir;

  private StandaloneCluster(List<Process> processes, FlinkRest rest, Path dir) {
    this.processes = processes;
    this.rest = rest;
    this.dir = dir;
  }

  /**
   * Writes {@code dir}/conf, starts the processes (logs in {@code dir}/log) and waits until every
   * TaskManager has registered. {@code restPort} 0: a free port. {@code extraConfig}: more Flink options.
   */
  public static StandaloneCluster start(Path dir, int restPort, int taskManagers, int slots, Map<String, String> extraConfig) throws Exception {
    Path conf = Files.createDirectories(dir.resolve("conf"));
    Path log = Files.createDirectories(dir.resolve("log"));
    int port = restPort == 0 ? freePort() : restPort;
    Map<String, String> c = new LinkedHashMap<>();
    c.put("jobmanager.rpc.address", "localhost");
    c.put("jobmanager.rpc.port", String.valueOf(freePort()));
    c.put("jobmanager.bind-host", "localhost");
    c.put("jobmanager.memory.process.size", "1024m");
    c.put("rest.address", "localhost");
    c.put("rest.bind-address", "localhost");
    c.put("rest.port", String.valueOf(port));
    c.put("taskmanager.host", "localhost");
    c.put("taskmanager.bind-host", "localhost");
    c.put("taskmanager.numberOfTaskSlots", String.valueOf(slots));
    c.put("taskmanager.memory.process.size", "1536m");
    // every class is on the processes' classpath, as in a distribution whose lib/ holds the jobs
    c.put("classloader.resolve-order", "parent-first");
    c.put("classloader.parent-first-patterns.additional", "org.nd4j.;org.bytedeco.");
    c.put("metrics.fetcher.update-interval", "500");
    c.putAll(extraConfig);
    StringBuilder yaml = new StringBuilder();
    c.forEach((k, v) -> yaml.append(k).append(": ").append(v).append('\n'));
    Files.writeString(conf.resolve("config.yaml"), yaml);
    Files.writeString(conf.resolve("log4j.properties"), String.join("\n",
        "rootLogger.level = INFO",
        "rootLogger.appenderRef.file.ref = file",
        "appender.file.name = file",
        "appender.file.type = File",
        "appender.file.fileName = ${sys:log.file}",
        "appender.file.layout.type = PatternLayout",
        "appender.file.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-60c %x - %m%n", ""));

    // what Flink's scripts compute (BashJavaUtils): JVM memory flags and the derived memory options
    Configuration flink = Configuration.fromMap(c);
    JobManagerProcessSpec jm = JobManagerProcessUtils.processSpecFromConfig(flink);
    List<String> jmJvm = words(JobManagerProcessUtils.generateJvmParametersStr(jm, flink));
    List<String> jmArgs = words(JobManagerProcessUtils.generateDynamicConfigsStr(jm));
    TaskExecutorProcessSpec tm = TaskExecutorProcessUtils.processSpecFromConfig(flink);
    List<String> tmJvm = words(ProcessMemoryUtils.generateJvmParametersStr(tm));
    List<String> tmArgs = words(TaskExecutorProcessUtils.generateDynamicConfigsStr(tm));

    List<Process> started = new ArrayList<>();
    StandaloneCluster cluster = new StandaloneCluster(started, new FlinkRest(URI.create("http://localhost:" + port)), dir);
    Runtime.getRuntime().addShutdownHook(new Thread(cluster::close, "convexstream-standalone-shutdown"));
    try {
      started.add(launch(conf, log.resolve("jobmanager.log"), jmJvm,
          "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint", jmArgs));
      for (int i = 0; i < taskManagers; i++) {
        started.add(launch(conf, log.resolve("taskmanager-" + i + ".log"), tmJvm,
            "org.apache.flink.runtime.taskexecutor.TaskManagerRunner", tmArgs));
      }
      cluster.awaitTaskManagers(taskManagers, 180_000);
    } catch (Exception e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  private static List<String> words(String s) {
    return List.of(s.trim().split("\\s+"));
  }

  private static Process launch(Path conf, Path logFile, List<String> jvm, String mainClass, List<String> args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvm);
    for (String p : OPENS) {
      cmd.add("--add-opens=java.base/" + p + "=ALL-UNNAMED");
    }
    cmd.add("-Dlog.file=" + logFile);
    cmd.add("-Dlog4j.configurationFile=" + conf.resolve("log4j.properties"));
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    cmd.add("--configDir");
    cmd.add(conf.toString());
    cmd.addAll(args);
    File out = logFile.resolveSibling(logFile.getFileName() + ".out").toFile();
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out).start();
  }

  private void awaitTaskManagers(int n, long timeoutMillis) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (true) {
      for (Process p : processes) {
        if (!p.isAlive()) {
          throw new IllegalStateException("a Flink process exited with code " + p.exitValue() + "; logs in " + dir.resolve("log"));
        }
      }
      try {
        if (rest.get("/taskmanagers").get("taskmanagers").size() >= n) {
          return;
        }
      } catch (IOException | IllegalStateException notYet) { // REST endpoint not up yet
      }
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException(n + " TaskManagers did not register within " + timeoutMillis + " ms; logs in " + dir.resolve("log"));
      }
      Thread.sleep(250);
    }
  }

  /** The REST API (and web UI) of the JobManager. */
  public FlinkRest rest() {
    return rest;
  }

  public Path logDir() {
    return dir.resolve("log");
  }

  @Override
  public synchronized void close() {
    for (Process p : processes) {
      p.destroy();
    }
    for (Process p : processes) {
      try {
        if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
