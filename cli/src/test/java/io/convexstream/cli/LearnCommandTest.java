package io.convexstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.convexstream.core.learn.LearnerConfig;
import io.convexstream.core.learn.Learners;
import io.convexstream.core.learn.OnlineLearner;
import io.convexstream.core.linalg.GradientVector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `convexstream learn` on files: the regret it reports, recomputed independently here. */
class LearnCommandTest {
  private static double field(String json, String learner, String name) {
    Matcher m = Pattern.compile("\"learner\": \"" + Pattern.quote(learner) + "\"[^}]*\"" + name + "\": ([-0-9.eE]+|null)").matcher(json);
    assertThat(m.find()).as("%s of %s in %s", name, learner, json).isTrue();
    return m.group(1).equals("null") ? Double.NaN : Double.parseDouble(m.group(1));
  }

  @Test
  void gradientRegretIsExactAgainstTheBestExpert(@TempDir Path dir) throws Exception {
    // a two-expert sequence, as a CSV with a header
    List<String> rows = new ArrayList<>(List.of("g0,g1"));
    OnlineLearner hedge = Learners.create(LearnerConfig.of("opt-hedge", "domain=simplex"), 2);
    double played = 0;
    double[] total = new double[2];
    for (int t = 0; t < 450; t++) {
      double[] g = t < 50 ? new double[] {1, 0} : t % 2 == 0 ? new double[] {0, 1} : new double[] {0, 0};
      rows.add(g[0] + "," + g[1]);
      played += hedge.decision()[0] * g[0] + hedge.decision()[1] * g[1];
      total[0] += g[0];
      total[1] += g[1];
      hedge.update(GradientVector.dense(g));
    }
    Path csv = Files.write(dir.resolve("experts.csv"), rows);
    String json = CliIT.run("learn", "--gradients", csv.toString(), "--learners", "opt-hedge;domain=simplex,ogd;domain=simplex",
        "--format", "json", "--report", dir.resolve("report").toString());
    assertThat(field(json, "opt-hedge;domain=simplex", "rounds")).isEqualTo(450);
    assertThat(field(json, "opt-hedge;domain=simplex", "regret")).isCloseTo(played - Math.min(total[0], total[1]), within(1e-9));
    assertThat(dir.resolve("report/regret.png")).isNotEmptyFile();
    assertThat(dir.resolve("report/loss.png")).isNotEmptyFile();
    assertThat(Files.readString(dir.resolve("report/summary.md"))).contains("| ogd;domain=simplex | 450 |");
  }

  @Test
  void exampleRegretUsesTheSolvedComparator(@TempDir Path dir) throws Exception {
    // distance loss (1/2)||x − a_t||² on the ball of radius 1: the best fixed point is the projected mean of the a_t
    SplittableRandom r = new SplittableRandom(4);
    int d = 5;
    int n = 400;
    List<String> rows = new ArrayList<>();
    double[][] a = new double[n][d];
    double[] mean = new double[d];
    for (int t = 0; t < n; t++) {
      StringBuilder row = new StringBuilder("0");
      for (int i = 0; i < d; i++) {
        a[t][i] = 1.5 + r.nextGaussian(); // the mean lies outside the ball: the projection is active
        mean[i] += a[t][i] / n;
        row.append(',').append(a[t][i]);
      }
      rows.add(row.toString());
    }
    double norm = Math.sqrt(java.util.Arrays.stream(mean).map(v -> v * v).sum());
    double comparator = 0;
    for (double[] at : a) {
      for (int i = 0; i < d; i++) {
        double e = mean[i] / norm - at[i];
        comparator += 0.5 * e * e;
      }
    }
    Path csv = Files.write(dir.resolve("targets.csv"), rows);
    String json = CliIT.run("learn", "--examples", csv.toString(), "--loss", "distance", "--learners", "ogd", "--set", "learner.domain=ball:1",
        "--format", "json");
    double learnerLoss = field(json, "ogd", "meanLoss") * n;
    assertThat(field(json, "ogd", "regret")).isCloseTo(learnerLoss - comparator, within(1e-6 * comparator));
  }

  @Test
  void libsvmLabelsZeroAndOneAreReadAsClasses(@TempDir Path dir) throws Exception {
    SplittableRandom r = new SplittableRandom(8);
    List<String> rows = new ArrayList<>();
    for (int t = 0; t < 600; t++) {
      double x1 = r.nextGaussian();
      double x3 = r.nextGaussian();
      rows.add((x1 + 0.5 * x3 > 0 ? 1 : 0) + " 1:" + x1 + " 3:" + x3 + " # a comment");
    }
    Path svm = Files.write(dir.resolve("separable.svm"), rows);
    String table = CliIT.run("learn", "--examples", svm.toString(), "--learners", "adagrad;domain=ball:10,ftrl;l1=0.01");
    assertThat(table).contains("1 models, 600 records (0 invalid");
    String json = CliIT.run("learn", "--examples", svm.toString(), "--learners", "adagrad", "--set", "learner.domain=ball:10", "--format", "json");
    assertThat(field(json, "adagrad", "accuracy")).isGreaterThan(0.9);
    assertThat(field(json, "adagrad", "regret")).isFinite();
  }
}
