package io.convexstream.local;

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
 * A TaskManager that dies is started again (as a supervisor would on a real cluster), and more
 * TaskManagers can join a running cluster from its configuration directory ({@link #join}). The
 * processes stop with {@link #close()} (or when this JVM exits).
 */
public final class StandaloneCluster implements AutoCloseable {
  /** Flink on Java 17 needs reflective access to these JDK packages (as the convexstream launcher). */
  public static final List<String> OPENS = List.of("java.util", "java.lang", "java.lang.reflect", "java.io",
      "java.nio", "sun.nio.ch", "java.net", "java.time", "java.util.concurrent", "java.util.concurrent.atomic");

  private static final String JOB_MANAGER = "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
  private static final String TASK_MANAGER = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";

  /** Processes by name (jobmanager, taskmanager-0, ...), in start order. */
  private final Map<String, Process> processes = new LinkedHashMap<>();
  private final FlinkRest rest;
  private final Path dir;
  private final List<String> tmJvm;
  private final List<String> tmArgs;
  private final Thread supervisor;
  private volatile boolean closing;
  private int restarts;

  private StandaloneCluster(FlinkRest rest, Path dir, List<String> tmJvm, List<String> tmArgs) {
    this.rest = rest;
    this.dir = dir;
    this.tmJvm = tmJvm;
    this.tmArgs = tmArgs;
    this.supervisor = new Thread(this::superviseTaskManagers, "convexstream-taskmanager-supervisor");
    supervisor.setDaemon(true);
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
    c.put("web.submit.enable", "false"); // jobs are submitted as job graphs, never as uploaded jars
    c.put("taskmanager.host", "localhost");
    c.put("taskmanager.bind-host", "localhost");
    c.put("taskmanager.numberOfTaskSlots", String.valueOf(slots));
    c.put("taskmanager.memory.process.size", "1536m");
    // every class is on the processes' classpath, as in a distribution whose lib/ holds the jobs
    c.put("classloader.resolve-order", "parent-first");
    c.put("classloader.parent-first-patterns.additional", "org.nd4j.;org.bytedeco.");
    // checkpoints as files beside the logs (the JobManager's memory caps them at 5 MB)
    c.put("execution.checkpointing.dir", Files.createDirectories(dir.resolve("checkpoints")).toUri().toString());
    c.put("metrics.fetcher.update-interval", "500");
    // the web monitor's timeout also bounds a metric fetch: with the default (10 min) a query to a
    // TaskManager that died keeps the REST metrics (and the UI's counts) frozen for 10 minutes
    c.put("web.timeout", String.valueOf(WEB_TIMEOUT_MILLIS));
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
    StandaloneCluster cluster = forTaskManagers(dir, flink, port);
    try {
      cluster.processes.put("jobmanager", launch(conf, log.resolve("jobmanager.log"), jmJvm, JOB_MANAGER, jmArgs));
      cluster.addTaskManagers(taskManagers, "taskmanager-");
      cluster.awaitTaskManagers(taskManagers, 180_000);
    } catch (Exception e) {
      cluster.close();
      throw e;
    }
    cluster.supervisor.start();
    return cluster;
  }

  /**
   * Starts {@code taskManagers} more TaskManagers that join the running cluster whose
   * configuration {@link #start} wrote to {@code dir}/conf; they are supervised by this process
   * (started again when they die) and stop with it.
   */
  public static StandaloneCluster join(Path dir, int taskManagers) throws Exception {
    Configuration flink = Configuration.fromMap(org.apache.flink.configuration.GlobalConfiguration
        .loadConfiguration(dir.resolve("conf").toString()).toMap());
    StandaloneCluster cluster = forTaskManagers(dir, flink, flink.get(org.apache.flink.configuration.RestOptions.PORT));
    int before = cluster.registeredTaskManagers();
    try {
      // log files of their own beside the cluster's first TaskManagers
      cluster.addTaskManagers(taskManagers, "taskmanager-" + ProcessHandle.current().pid() + "-");
      cluster.awaitTaskManagers(before + taskManagers, 180_000);
    } catch (Exception e) {
      cluster.close();
      throw e;
    }
    cluster.supervisor.start();
    return cluster;
  }

  /** Timeout of the web monitor's asynchronous operations, metric fetches included (ms). */
  public static final long WEB_TIMEOUT_MILLIS = 20_000;

  private static StandaloneCluster forTaskManagers(Path dir, Configuration flink, int restPort) {
    TaskExecutorProcessSpec tm = TaskExecutorProcessUtils.processSpecFromConfig(flink);
    StandaloneCluster cluster = new StandaloneCluster(new FlinkRest(URI.create("http://localhost:" + restPort)), dir,
        words(ProcessMemoryUtils.generateJvmParametersStr(tm)), words(TaskExecutorProcessUtils.generateDynamicConfigsStr(tm)));
    Runtime.getRuntime().addShutdownHook(new Thread(cluster::close, "convexstream-standalone-shutdown"));
    return cluster;
  }

  /** Starts {@code n} TaskManagers named {@code prefix}0, {@code prefix}1, ... */
  private synchronized void addTaskManagers(int n, String prefix) throws IOException {
    for (int i = 0; i < n; i++) {
      String name = prefix + i;
      processes.put(name, launchTaskManager(name));
    }
  }

  private Process launchTaskManager(String name) throws IOException {
    return launch(dir.resolve("conf"), logDir().resolve(name + ".log"), tmJvm, TASK_MANAGER, tmArgs);
  }

  /** Starts again, once a second at most, each TaskManager process that exited while the cluster runs. */
  private void superviseTaskManagers() {
    while (!closing) {
      try {
        Thread.sleep(1000);
        synchronized (this) {
          for (Map.Entry<String, Process> e : processes.entrySet()) {
            if (!closing && e.getKey().startsWith("taskmanager") && !e.getValue().isAlive()) {
              System.err.println("TaskManager " + e.getKey() + " exited with code " + e.getValue().exitValue() + "; starting it again");
              e.setValue(launchTaskManager(e.getKey()));
              restarts++;
            }
          }
        }
      } catch (InterruptedException stop) {
        return;
      } catch (IOException e) {
        System.err.println("cannot start a TaskManager again: " + e);
      }
    }
  }

  /** The process of TaskManager {@code i} (in start order), e.g. for fault drills. */
  public synchronized Process taskManager(int i) {
    return processes.entrySet().stream().filter(e -> e.getKey().startsWith("taskmanager")).skip(i).findFirst()
        .orElseThrow().getValue();
  }

  /** TaskManagers started again after they died. */
  public synchronized int restarts() {
    return restarts;
  }

  private int registeredTaskManagers() {
    try {
      return rest.get("/taskmanagers").get("taskmanagers").size();
    } catch (Exception e) {
      throw new IllegalStateException("no Flink cluster answers at " + rest.address() + ": " + e.getMessage(), e);
    }
  }

  private static List<String> words(String s) {
    return List.of(s.trim().split("\\s+"));
  }

  private static Process launch(Path conf, Path logFile, List<String> jvm, String mainClass, List<String> args) throws IOException {
    Files.createDirectories(logFile.getParent());
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
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(out)).start();
  }

  private void awaitTaskManagers(int n, long timeoutMillis) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (true) {
      for (Process p : processes.values()) {
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
  public void close() {
    closing = true;
    supervisor.interrupt();
    List<Process> all;
    synchronized (this) {
      all = new ArrayList<>(processes.values());
    }
    for (Process p : all) {
      p.destroy();
    }
    for (Process p : all) {
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
