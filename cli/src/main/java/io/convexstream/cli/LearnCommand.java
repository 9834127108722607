package io.convexstream.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.convexstream.cli.learn.HindsightComparator;
import io.convexstream.cli.learn.OfflineLearning;
import io.convexstream.cli.report.Plots;
import io.convexstream.core.learn.LearnerConfig;
import io.convexstream.core.learn.LearnerParameter;
import io.convexstream.core.learn.Learners;
import io.convexstream.core.learn.Loss;
import io.convexstream.kafka.Topic;
import io.convexstream.kafka.recording.Recording;
import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.LabelledExample;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.RecordedMessage;
import io.convexstream.schemas.codec.AvroCodec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "learn",
    mixinStandardHelpOptions = true,
    description = {
        "Run online learners over a file of gradients or labelled examples: the offline counterpart",
        "of the gradients and examples jobs (as `backtest` is of the portfolio job).",
        "",
        "Each record is played as the job plays it (same reader, same learner code, same refusal",
        "rules; per model in step order, a repeated step skipped), so on a recording the final",
        "parameters equal the job's bit for bit. Prints per learner the rounds, refused records,",
        "mean progressive loss f_t(x_t), accuracy where labels allow, and static regret against",
        "the best fixed point of the domain in hindsight: exact for gradients (linear losses",
        "⟨g_t, u⟩); for examples found by projected gradient descent with backtracking on the",
        "total loss (--solver-iterations, started from the domain's initial point and every",
        "learner's final point), so the regret is exact up to the solver's convergence and never",
        "overstated.",
        "",
        "Inputs: --gradients CSV (one gradient per row: model,step,g_1,...,g_d or just g_1,...,g_d;",
        "a header row is skipped), --examples CSV (label,f_1,...,f_d) or LIBSVM/SVMlight",
        "(label idx:value ..., 1-based), or --recording DIR (its gradients or examples topic).",
        "",
        "A recording with events and feedback (--topic events) runs the learning loop as the job",
        "`events` runs it: the join in event time, every learner scoring each event and learning",
        "from its feedback, progressive validation on the served scores and the champion rule;",
        "--learners in list order (the first serves first), --set takes the job's options",
        "(features.dim, feedback.maxDelay, feedback.missing, champion.*). The champion's parameters",
        "equal the job's bit for bit where the job dead-lettered nothing as late.",
        ""})
final class LearnCommand implements Callable<Integer> {
  @Option(names = "--gradients", description = "CSV of gradients.")
  Path gradients;

  @Option(names = "--examples", description = "CSV (label first) or LIBSVM file of labelled examples.")
  Path examples;

  @Option(names = "--recording", description = "Recording directory (`convexstream record`) with a gradients or examples topic.")
  Path recording;

  @Option(names = "--topic", description = "With --recording: gradients, examples or events (needed when it has more than one).")
  String topic;

  @Option(names = "--learners", split = ",", defaultValue = "oomd,ogd,adagrad",
      description = "Learners, each ALGORITHM or ALGORITHM;KEY=VALUE;... as in the jobs' override.* option (default: ${DEFAULT-VALUE}).")
  List<String> learners;

  @Option(names = "--set", description = "learner.KEY=VALUE for every learner (e.g. learner.domain=ball:5), as for the jobs; "
      + "with --topic events the job's options (e.g. feedback.maxDelay=10 min).")
  Map<String, String> options = new LinkedHashMap<>();

  @Option(names = "--loss", defaultValue = "logistic", description = "Example loss: logistic, squared, hinge, huber, distance (default: ${DEFAULT-VALUE}).")
  String loss;

  @Option(names = "--solver-iterations", defaultValue = "500", description = "Projected gradient iterations for the examples' comparator (default: ${DEFAULT-VALUE}).")
  int solverIterations;

  enum Format { table, json }

  @Option(names = "--format", defaultValue = "table", description = "table or json (default: ${DEFAULT-VALUE}).")
  Format format;

  @Option(names = "--parameters", description = "Write each learner's final parameters per model here, as JSON lines.")
  Path parametersFile;

  @Option(names = "--report", description = "Directory for regret.png, loss.png and summary.md.")
  Path report;

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    int given = (gradients != null ? 1 : 0) + (examples != null ? 1 : 0) + (recording != null ? 1 : 0);
    if (given != 1) {
      throw new IllegalArgumentException("give one of --gradients, --examples or --recording");
    }
    if (recording != null && ("events".equals(topic) || topic == null && Recording.topics(recording).contains(Topic.EVENTS.topicName()))) {
      return new LoopReport(spec.commandLine(), recording, learners, options, loss, parametersFile, report, format == Format.json).call();
    }
    List<String> common = new ArrayList<>();
    options.forEach((k, v) -> {
      if (!k.startsWith("learner.")) {
        throw new IllegalArgumentException("--set takes learner.KEY=VALUE, not " + k);
      }
      common.add(k.substring("learner.".length()) + "=" + v);
    });
    // a --set value goes to the learners that use the parameter; one that none of them uses is refused
    Map<String, LearnerConfig> configs = new LinkedHashMap<>();
    java.util.Set<String> taken = new java.util.HashSet<>();
    for (String l : learners) {
      String[] parts = l.split(";");
      LearnerConfig.Algorithm algorithm = LearnerConfig.Algorithm.parse(parts[0].trim());
      List<String> kv = new ArrayList<>();
      for (String c : common) {
        String key = c.substring(0, c.indexOf('='));
        if (LearnerParameter.of(key).usedBy().contains(algorithm)) {
          kv.add(c);
          taken.add(c);
        }
      }
      kv.addAll(Arrays.asList(parts).subList(1, parts.length)); // a learner's own values win
      configs.put(l, LearnerConfig.of(parts[0].trim(), kv.toArray(String[]::new)));
    }
    for (String c : common) {
      if (!taken.contains(c)) {
        String key = c.substring(0, c.indexOf('='));
        throw new IllegalArgumentException("learner." + key + " is used by none of " + learners + "; it is a parameter of "
            + LearnerParameter.of(key).usedByIds());
      }
    }
    OfflineLearning.Input<?> input = read();
    String source = (gradients != null ? gradients : examples != null ? examples : recording).getFileName().toString();
    List<OfflineLearning.Result> results = new ArrayList<>();
    for (Map.Entry<String, LearnerConfig> c : configs.entrySet()) {
      results.add(OfflineLearning.run(c.getKey(), c.getValue(), input));
    }
    HindsightComparator.attach(results, input, solverIterations);

    if (format == Format.table) {
      out.printf("%s: %d models, %d records (%d invalid, %d repeated steps skipped)%n", source, input.models().size(),
          input.records(), input.invalid(), input.repeated());
      out.printf("%-28s %8s %8s %14s %9s %14s %12s%n", "learner", "rounds", "refused", "mean loss", "accuracy", "regret", "regret/T");
      for (OfflineLearning.Result r : results) {
        out.printf("%-28s %8d %8d %14.6g %9s %14.6g %12.4g%n", r.name(), r.rounds(), r.refused(), r.meanLoss(),
            Double.isNaN(r.accuracy()) ? "-" : String.format("%.4f", r.accuracy()), r.regret(), r.regret() / Math.max(1, r.rounds()));
      }
    } else {
      ObjectNode json = Json.object().put("source", source).put("models", input.models().size()).put("records", input.records())
          .put("invalid", input.invalid()).put("repeated", input.repeated());
      ArrayNode learnerResults = json.putArray("learners");
      for (OfflineLearning.Result r : results) {
        learnerResults.addObject().put("learner", r.name()).put("rounds", r.rounds()).put("refused", r.refused())
            .put("meanLoss", Json.number(r.meanLoss())).put("accuracy", Json.number(r.accuracy())).put("regret", Json.number(r.regret()));
      }
      out.println(Json.write(json));
    }
    if (parametersFile != null) {
      try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(parametersFile))) {
        for (OfflineLearning.Result r : results) {
          r.finalParameters().forEach((model, x) -> {
            ObjectNode line = Json.object().put("learner", r.name()).put("model", model);
            line.set("parameters", Json.numbers(x));
            w.println(Json.write(line));
          });
        }
      }
    }
    if (report != null) {
      writeReport(source, input, results, out);
    }
    out.flush();
    return 0;
  }

  private void writeReport(String source, OfflineLearning.Input<?> input, List<OfflineLearning.Result> results, PrintWriter out)
      throws IOException {
    Files.createDirectories(report);
    Map<String, double[][]> regret = new LinkedHashMap<>();
    Map<String, double[][]> meanLoss = new LinkedHashMap<>();
    for (OfflineLearning.Result r : results) {
      regret.put(r.name(), r.regretCurve());
      meanLoss.put(r.name(), r.meanLossCurve());
    }
    Plots.lines(report.resolve("regret.png"), "Static regret on " + source, "round", "regret against the best fixed point", false, regret);
    Plots.lines(report.resolve("loss.png"), "Mean progressive loss on " + source, "round", "mean f_t(x_t)", false, meanLoss);
    StringBuilder md = new StringBuilder("# Online learning on ").append(source).append("\n\n")
        .append(String.format("%d models, %d records (%d invalid, %d repeated steps skipped). Regret against the best fixed point "
            + "of the domain in hindsight (%s).%n%n", input.models().size(), input.records(), input.invalid(), input.repeated(),
            input.linear() ? "exact for linear losses" : "comparator by projected gradient descent, " + solverIterations + " iterations"))
        .append("| learner | rounds | refused | mean loss | accuracy | regret | regret/T |\n|---|---|---|---|---|---|---|\n");
    for (OfflineLearning.Result r : results) {
      md.append(String.format("| %s | %d | %d | %.6g | %s | %.6g | %.4g |%n", r.name(), r.rounds(), r.refused(), r.meanLoss(),
          Double.isNaN(r.accuracy()) ? "-" : String.format("%.4f", r.accuracy()), r.regret(), r.regret() / Math.max(1, r.rounds())));
    }
    md.append("\n![regret](regret.png)\n\n![mean loss](loss.png)\n");
    Files.writeString(report.resolve("summary.md"), md.toString());
    if (format == Format.table) {
      out.println("report: " + report.resolve("summary.md").toAbsolutePath());
    }
  }

  private OfflineLearning.Input<?> read() throws IOException {
    if (recording != null) {
      List<String> topics = Recording.topics(recording);
      boolean both = topics.contains(Topic.GRADIENTS.topicName()) && topics.contains(Topic.EXAMPLES.topicName());
      if (both && topic == null) {
        throw new IllegalArgumentException("recording " + recording + " has gradients and examples: choose one with --topic");
      }
      if (topic != null && !topic.equals("gradients") && !topic.equals("examples")) {
        throw new IllegalArgumentException("--topic is gradients, examples or events, not " + topic);
      }
      if (topics.contains(Topic.GRADIENTS.topicName()) && !"examples".equals(topic)) {
        return OfflineLearning.Input.gradients(decode(Topic.GRADIENTS, Gradient.class));
      }
      if (topics.contains(Topic.EXAMPLES.topicName())) {
        return OfflineLearning.Input.examples(decode(Topic.EXAMPLES, LabelledExample.class), Loss.parse(loss));
      }
      throw new IOException("recording " + recording + " has neither " + Topic.GRADIENTS.topicName() + " nor " + Topic.EXAMPLES.topicName());
    }
    if (gradients != null) {
      List<Gradient> rows = new ArrayList<>();
      Map<String, Long> steps = new HashMap<>();
      for (String[] f : csvRows(gradients)) {
        boolean keyed = f.length >= 3 && !isNumber(f[0]);
        String model = keyed ? f[0].trim() : "csv";
        long step = keyed ? Long.parseLong(f[1].trim()) : steps.merge(model, 1L, Long::sum);
        List<Double> g = numbers(f, keyed ? 2 : 0);
        rows.add(new Gradient(model, step, "file", new NumericVector(g.size(), null, g), null, null, Instant.EPOCH));
      }
      return OfflineLearning.Input.gradients(rows);
    }
    List<LabelledExample> rows = new ArrayList<>();
    long step = 0;
    boolean libsvm;
    try (var lines = Files.lines(examples)) {
      libsvm = lines.filter(l -> !l.isBlank()).findFirst().map(l -> l.contains(":")).orElse(false);
    }
    if (libsvm) {
      List<Object[]> parsed = new ArrayList<>();
      int dim = 0;
      for (String line : Files.readAllLines(examples)) {
        String l = line.contains("#") ? line.substring(0, line.indexOf('#')) : line;
        if (l.isBlank()) {
          continue;
        }
        String[] f = l.trim().split("\\s+");
        List<Integer> idx = new ArrayList<>();
        List<Double> val = new ArrayList<>();
        for (int k = 1; k < f.length; k++) {
          int colon = f[k].indexOf(':');
          if (f[k].startsWith("qid:")) {
            continue;
          }
          idx.add(Integer.parseInt(f[k].substring(0, colon)) - 1);
          val.add(Double.parseDouble(f[k].substring(colon + 1)));
          dim = Math.max(dim, idx.get(idx.size() - 1) + 1);
        }
        parsed.add(new Object[] {Double.parseDouble(f[0]), idx, val});
      }
      for (Object[] p : parsed) {
        @SuppressWarnings("unchecked")
        List<Integer> idx = (List<Integer>) p[1];
        @SuppressWarnings("unchecked")
        List<Double> val = (List<Double>) p[2];
        rows.add(new LabelledExample("file", ++step, "file", new NumericVector(dim, idx, val), (Double) p[0], 1.0, null, Instant.EPOCH));
      }
    } else {
      for (String[] f : csvRows(examples)) {
        List<Double> a = numbers(f, 1);
        rows.add(new LabelledExample("file", ++step, "file", new NumericVector(a.size(), null, a), Double.parseDouble(f[0].trim()), 1.0,
            null, Instant.EPOCH));
      }
    }
    Loss l = Loss.parse(loss);
    return OfflineLearning.Input.examples(classLabels(rows, l), l);
  }

  /** For classification losses, labels must be ±1: two other values (0/1, 1/2) are mapped to −1/+1 in order. */
  private List<LabelledExample> classLabels(List<LabelledExample> rows, Loss l) {
    if (l != Loss.LOGISTIC && l != Loss.HINGE) {
      return rows;
    }
    double[] labels = rows.stream().mapToDouble(LabelledExample::getLabel).distinct().sorted().toArray();
    if (labels.length == 2 && !(labels[0] == -1 && labels[1] == 1)) {
      spec.commandLine().getErr().printf("labels %s and %s read as -1 and +1%n", labels[0], labels[1]);
      for (LabelledExample e : rows) {
        e.setLabel(e.getLabel() == labels[0] ? -1.0 : 1.0);
      }
    }
    return rows;
  }

  private <T extends org.apache.avro.specific.SpecificRecord> List<Object> decode(Topic topic, Class<T> type) throws IOException {
    return decode(recording, topic, type);
  }

  /** A recorded topic's values decoded ({@link OfflineLearning#UNDECODABLE} where one does not decode, as the job dead-letters it). */
  static <T extends org.apache.avro.specific.SpecificRecord> List<Object> decode(Path recording, Topic topic, Class<T> type)
      throws IOException {
    AvroCodec<T> codec = AvroCodec.of(type);
    List<Object> records = new ArrayList<>();
    for (RecordedMessage m : Recording.read(Recording.file(recording, topic.topicName()))) {
      try {
        records.add(codec.decode(AvroCodec.bytes(m.getValue())));
      } catch (RuntimeException undecodable) {
        records.add(OfflineLearning.UNDECODABLE); // counted as invalid, as the job dead-letters it
      }
    }
    return records;
  }

  private static List<String[]> csvRows(Path file) throws IOException {
    List<String[]> rows = new ArrayList<>();
    boolean first = true;
    for (String line : Files.readAllLines(file)) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split(",");
      if (first && Arrays.stream(f).skip(f.length > 1 ? 1 : 0).noneMatch(LearnCommand::isNumber)) {
        first = false;
        continue; // a header
      }
      first = false;
      rows.add(f);
    }
    return rows;
  }

  private static boolean isNumber(String s) {
    try {
      Double.parseDouble(s.trim());
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static List<Double> numbers(String[] f, int from) {
    List<Double> v = new ArrayList<>(f.length - from);
    for (int i = from; i < f.length; i++) {
      v.add(Double.parseDouble(f[i].trim()));
    }
    return v;
  }
}
