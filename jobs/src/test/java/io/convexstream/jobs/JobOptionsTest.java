package io.convexstream.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.convexstream.flink.omd.LearnerSettings;
import io.convexstream.flink.portfolio.PortfolioSettings;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/** Every job's options are checked before anything is submitted, with errors that name the option. */
class JobOptionsTest {
  private static void prepare(String job, Map<String, String> options) {
    Jobs.prepare(StreamExecutionEnvironment.getExecutionEnvironment(), Jobs.byName(job),
        JobSettings.defaults("kafka:9092", "check").withOptions(options));
  }

  @Test
  void anUnknownKeyIsAnErrorNamingTheNearestValidOne() {
    assertThatThrownBy(() -> prepare("gradients", Map.of("emitEvry", "3")))
        .hasMessageStartingWith("unknown option 'emitEvry'; did you mean 'emitEvery'?");
    assertThatThrownBy(() -> prepare("router-loads", Map.of("learner", "oomd")))
        .hasMessageStartingWith("unknown option 'learner'");
    assertThatThrownBy(() -> prepare("gradients", Map.of("loss", "squared"))) // example mode only
        .hasMessageStartingWith("unknown option 'loss'");
    assertThatThrownBy(() -> prepare("gradients", Map.of("learner.eta_max", "2")))
        .hasMessageStartingWith("unknown option 'learner.eta_max'; did you mean 'learner.etaMax'?");
    assertThat(JobOptions.editDistance("kitten", "sitting")).isEqualTo(3);
  }

  @Test
  void valuesOfTheWrongTypeOrOutOfRangeAreErrors() {
    assertThatThrownBy(() -> prepare("gradients", Map.of("emitEvery", "often")))
        .hasMessage("option 'emitEvery' cannot be 'often': expected an integer");
    assertThatThrownBy(() -> prepare("gradients", Map.of("emitEvery", "0"))).hasMessageContaining("emitEvery ≥ 1");
    assertThatThrownBy(() -> prepare("router-scores", Map.of("scoring", "tanh")))
        .hasMessage("option 'scoring' cannot be 'tanh': expected one of sigmoid|softmax");
    assertThatThrownBy(() -> prepare("router-loads", Map.of("maxBiasStaleness", "-1"))).hasMessageContaining("maxBiasStaleness ≥ 0");
    assertThatThrownBy(() -> prepare("gradients", Map.of("learner.G", "big")))
        .hasMessage("learner parameter G must be a number, not 'big'");
  }

  @Test
  void namesOfLearnersLossesDomainsStrategiesAndCombinersAreChecked() {
    assertThatThrownBy(() -> prepare("gradients", Map.of("learner", "adam"))).hasMessageStartingWith("unknown algorithm 'adam'");
    assertThatThrownBy(() -> prepare("gradients", Map.of("override.big/", "sgd;G=2"))).hasMessageStartingWith("option 'override.big/': unknown algorithm 'sgd'");
    assertThatThrownBy(() -> prepare("gradients", Map.of("learner.domain", "cube:1"))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> prepare("gradients", Map.of("emitEvery.big/", "0"))).hasMessageStartingWith("option 'emitEvery.big/': emitEvery must be at least 1");
    assertThatThrownBy(() -> prepare("gradients", Map.of("emitEvery.big/", "often"))).hasMessageStartingWith("option 'emitEvery.big/'");
    assertThat(LearnerJob.gradients().settings(Map.of("emitEvery", "2", "emitEvery.big/", "100")).emitEveryFor("big/a")).isEqualTo(100);
    assertThatThrownBy(() -> prepare("examples", Map.of("loss", "hubber")))
        .hasMessageStartingWith("option 'loss' cannot be 'hubber': expected one of logistic|");
    assertThatThrownBy(() -> prepare("portfolio", Map.of("portfolio.assets", "A,B", "portfolio.strategies", "ucrp,cwmr")))
        .hasMessageStartingWith("portfolio portfolio: unknown strategy 'cwmr'");
    assertThatThrownBy(() -> prepare("portfolio", Map.of("portfolio.assets", "A,B", "portfolio.combiners", "majority")))
        .hasMessageStartingWith("portfolio portfolio: unknown combiner 'majority'");
    assertThatThrownBy(() -> prepare("portfolio", Map.of("portfolio.assets", "A,B", "endOfFeedMs", "-1")))
        .hasMessage("endOfFeedMs must be ≥ 0");
    assertThatThrownBy(() -> prepare("portfolio", Map.of("portfolio.assets", "A,B", "haltMs", "-5"))).hasMessage("haltMs must be ≥ 0");
    prepare("portfolio", Map.of("portfolio.assets", "A,B", "endOfFeedMs", "30000"));
  }

  /** oomd-ec's matrices change entirely per update: on RocksDB it is refused with the reason; on the heap, and other learners on RocksDB, accepted. */
  @Test
  void oomdEcOnRocksDbIsRefusedWithItsReason() {
    assertThatThrownBy(() -> prepare("gradients", Map.of("learner", "oomd-ec", "state.backend.type", "rocksdb")))
        .hasMessageStartingWith("oomd-ec (learner) with state.backend.type=rocksdb").hasMessageContaining("state.backend.type=hashmap");
    assertThatThrownBy(() -> prepare("gradients", Map.of("override.big/", "oomd-ec;backend=auto", "state.backend.type", "rocksdb")))
        .hasMessageStartingWith("oomd-ec (override.big/)");
    prepare("gradients", Map.of("learner", "oomd-ec", "state.backend.type", "hashmap"));
    prepare("gradients", Map.of("learner", "ftrl", "state.backend.type", "rocksdb"));
  }

  @Test
  void severalPortfoliosEachWithTheirOwnFieldsAndOnlyListedIds() {
    Map<String, String> two = Map.of("portfolios", "us,eu", "portfolio.us.assets", "A,B", "portfolio.eu.assets", "C,D,E",
        "portfolio.eu.strategies", "eg,ons", "portfolio.eu.period.ms", "60000", "period.ms", "1000");
    List<PortfolioSettings> p = new PortfolioJob().portfolios(two);
    assertThat(p).extracting(PortfolioSettings::id).containsExactly("us", "eu");
    assertThat(p.get(0).periodMillis()).isEqualTo(1000);
    assertThat(p.get(1).periodMillis()).isEqualTo(60000);
    assertThat(p.get(1).strategies()).containsExactly("eg", "ons");
    prepare("portfolio", two);
    assertThatThrownBy(() -> prepare("portfolio", Map.of("portfolios", "us", "portfolio.us.assets", "A", "portfolio.uk.assets", "B")))
        .hasMessage("option 'portfolio.uk.assets': portfolio 'uk' is not in portfolios=us");
    assertThatThrownBy(() -> prepare("portfolio", Map.of("portfolios", "us", "portfolio.us.asets", "A")))
        .hasMessageStartingWith("option 'portfolio.us.asets': expected portfolio.<id>.<field>");
    assertThatThrownBy(() -> prepare("portfolio", Map.of("portfolio.us.assets", "A")))
        .hasMessage("option 'portfolio.us.assets': portfolio 'us' is not in portfolios=");
  }

  @Test
  void everyJobListsItsOwnAndTheSharedOptionsWithTypesAndDefaults() {
    for (StreamJob job : Jobs.all().values()) {
      String help = job.options().help();
      assertThat(help).as(job.name()).contains("metrics.maxKeys", "an integer, default 16", "replay.dir", "inject.failures");
    }
    assertThat(Jobs.byName("gradients").options().help()).contains("emitEvery", "learner.domain", "override.<...>");
    assertThat(Jobs.byName("router-loads").options().help()).contains("maxBiasStaleness", "an integer, default 8");
  }

  @Test
  void learnerParametersAreTypedAndOnlyTheChosenLearnersAreTaken() {
    assertThatThrownBy(() -> prepare("gradients", Map.of("learner", "oomd", "learner.eta", "0.5")))
        .hasMessageContaining("learner parameter eta is not used by oomd (it would be ignored); it is a parameter of adagrad");
    assertThatThrownBy(() -> prepare("gradients", Map.of("override.big/", "ftrl;G=2")))
        .hasMessageContaining("learner parameter G is not used by ftrl");
    prepare("gradients", Map.of("learner", "adagrad", "learner.eta", "0.5", "learner.domain", "box:-1:1"));
    String help = Jobs.byName("gradients").options().help();
    assertThat(help).contains("learner.eta", "the step size; number > 0, default D/√2. Used by adagrad; any other learner refuses it.");
    assertThat(help).contains("learner.N", "integer ≥ 1, default 1+⌈log₂(etaMax/etaMin)⌉");
  }

  @Test
  void timesAreDurationsAndTheirOldMillisecondNamesStillWork() {
    Map<String, String> given = Map.of("gapTimeout", "2 s", "emitInterval", "250 ms");
    LearnerSettings s = LearnerJob.gradients().settings(given);
    assertThat(s.gapTimeoutMillis()).isEqualTo(2_000);
    assertThat(s.emitIntervalMillis()).isEqualTo(250);
    assertThat(LearnerJob.gradients().settings(Map.of("gapTimeoutMs", "3000")).gapTimeoutMillis()).isEqualTo(3_000);
    assertThat(LearnerJob.gradients().settings(Map.of()).gapTimeoutMillis()).isEqualTo(10_000);
    assertThatThrownBy(() -> LearnerJob.gradients().settings(Map.of("gapTimeout", "2 s", "gapTimeoutMs", "3000")))
        .hasMessage("give gapTimeout or gapTimeoutMs, not both");
    assertThatThrownBy(() -> prepare("portfolio", Map.of("portfolio.assets", "A,B", "halt", "soon")))
        .hasMessageStartingWith("option 'halt' cannot be 'soon': expected a duration");
    prepare("portfolio", Map.of("portfolio.assets", "A,B", "halt", "2 s", "endOfFeed", "1 min", "outOfOrder", "100 ms"));
    prepare("router-loads", Map.of("stepTimeout", "30 s"));
    assertThat(Jobs.byName("portfolio").options().help()).contains("endOfFeed", "a duration (e.g. 10 s, 500 ms, 2 min), default PT0S",
        "endOfFeedMs", "Deprecated: endOfFeed in milliseconds.");
  }

  @Test
  void strategyParametersArePerPortfolioAndChecked() {
    List<PortfolioSettings> one = new PortfolioJob().portfolios(Map.of("portfolio.assets", "A,B", "portfolio.strategies", "eg,olmar1",
        "portfolio.params.olmar1.window", "10", "portfolio.params.eg.eta", "0.2"));
    assertThat(one.get(0).parameters()).isEqualTo(Map.of("olmar1", Map.of("window", 10.0), "eg", Map.of("eta", 0.2)));
    List<PortfolioSettings> two = new PortfolioJob().portfolios(Map.of("portfolios", "us,eu", "portfolio.us.assets", "A,B",
        "portfolio.eu.assets", "C,D", "portfolio.eu.strategies", "pamr", "portfolio.eu.params.pamr.C", "50"));
    assertThat(two.get(0).parameters()).isEmpty();
    assertThat(two.get(1).parameters()).isEqualTo(Map.of("pamr", Map.of("C", 50.0)));
    assertThatThrownBy(() -> prepare("portfolio", Map.of("portfolio.assets", "A,B", "portfolio.strategies", "eg",
        "portfolio.params.eg.gamma", "1"))).hasMessage("portfolio portfolio: strategy eg has no parameter 'gamma'; its parameters: [eta]");
    assertThatThrownBy(() -> prepare("portfolio", Map.of("portfolio.assets", "A,B", "portfolio.strategies", "eg",
        "portfolio.params.ons.eta", "1"))).hasMessageStartingWith("portfolio portfolio sets parameters of ons, which is not among its strategies");
    assertThatThrownBy(() -> prepare("portfolio", Map.of("portfolio.assets", "A,B", "portfolio.strategies", "eg",
        "portfolio.params.eg.eta", "fast"))).hasMessage("option 'portfolio.params.eg.eta' cannot be 'fast': expected a number");
    assertThatThrownBy(() -> prepare("portfolio", Map.of("portfolios", "us", "portfolio.us.assets", "A",
        "portfolio.params.eg.eta", "1"))).hasMessageContaining("parameters are set per portfolio");
  }

  @Test
  void modelsUnderAPrefixGetTheirOwnLearningLoopLearners() {
    var loop = new LearningLoopJob().settings(Map.of("learners", "ftrl", "learners.ads/", "ftrl;ftrl.alpha=0.5,ogd;G=6,ftrl",
        "learners.ads/big/", "adagrad"));
    assertThat(loop.lineupOf("news/1").names()).containsExactly("ftrl");
    assertThat(loop.lineupOf("ads/1").names()).containsExactly("ftrl#0", "ogd", "ftrl#2");
    assertThat(loop.lineupOf("ads/1").learners().get(1).toString()).contains("G=6");
    assertThat(loop.lineupOf("ads/big/1").names()).containsExactly("adagrad"); // the longest prefix
    assertThat(loop.mostLearners()).isEqualTo(3);
    assertThatThrownBy(() -> prepare("events", Map.of("learners.ads/", "ftrl,nosuch")))
        .hasMessageStartingWith("option 'learners.ads/': ").hasMessageContaining("nosuch");
    assertThatThrownBy(() -> prepare("events", Map.of("champion", "ogd", "learners.ads/", "ftrl,ogd")))
        .hasMessageContaining("champion ogd is not one of the learners [ftrl]");
  }
}
