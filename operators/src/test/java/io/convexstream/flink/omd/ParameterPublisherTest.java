package io.convexstream.flink.omd;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.core.learn.LearnerConfig;
import io.convexstream.core.learn.Learners;
import io.convexstream.core.learn.OnlineLearner;
import io.convexstream.core.linalg.GradientVector;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.schemas.publication.ParameterAssembler;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The publication policy without Flink: snapshots, deltas of what changed, the figures a publication carries. */
class ParameterPublisherTest {
  private static final int DIM = 4096;

  @Test
  void aSnapshotFirstThenDeltasOfTheChangedCoordinatesThenASnapshotAgain() throws Exception {
    ParameterPublisher publisher = new ParameterPublisher(new LearnerSettings.Publication(1 << 20, 3));
    OnlineLearner learner = Learners.create(LearnerConfig.of("ftrl"), DIM);
    ModelProgress p = new ModelProgress();
    p.dim = DIM;
    p.changed = new int[0];
    List<ParameterUpdate> all = new ArrayList<>();
    List<Long> bases = new ArrayList<>();
    for (int t = 1; t <= 4; t++) {
      GradientVector g = new GradientVector(DIM, new int[] {t, 100 + t}, new double[] {0.5, -0.25});
      learner.update(g);
      p.updates = learner.rounds();
      p.lastStep = t;
      p.changed = ParameterPublisher.withChanged(p.changed, g.indices(), DIM);
      ParameterPublisher.Publication publication = publisher.publish(p, new ModelParameters.Whole(learner), "m", null, null);
      all.addAll(publication.records());
      publication.records().forEach(r -> bases.add(r.getBaseVersion()));
      assertThat(p.lastEmittedVersion).isEqualTo(t);
    }
    // version 1: a snapshot; 2 and 3: deltas on the version before; 4: snapshotEvery = 3 since version 1
    assertThat(bases).containsExactly(0L, 1L, 2L, 0L);
    assertThat(all.get(1).getValues().getIndices().remaining()).as("a delta lists the changed coordinates only: 2 × 4 bytes")
        .isEqualTo(8);
    var versions = ParameterAssembler.everyVersion(all).get("m");
    assertThat(versions.get(versions.size() - 1).parameters()).containsExactly(learner.decision());
    assertThat(versions).hasSize(4);
  }

  @Test
  void aPublicationCarriesTheFiguresItsInputsGave() throws Exception {
    ParameterPublisher publisher = new ParameterPublisher(LearnerSettings.Publication.DEFAULT);
    OnlineLearner learner = Learners.create(LearnerConfig.of("oomd"), 3);
    learner.update(GradientVector.dense(new double[] {1, 0, 0}));
    ModelProgress p = new ModelProgress();
    p.dim = 3;
    p.updates = 1;
    ParameterUpdate plain = publisher.publish(p, new ModelParameters.Whole(learner), "m", null, null).records().get(0);
    assertThat(plain.getMetrics()).containsOnlyKeys("updates", "stepSize", "gradientVariation", "parameterNorm", "missingSteps", "rejected");
    p.lossCount = 2;
    p.cumulativeLoss = 3;
    p.lastLoss = 1;
    ParameterUpdate withLoss = publisher.publish(p, new ModelParameters.Whole(learner), "m", null, null).records().get(0);
    assertThat(withLoss.getMetrics()).containsEntry("meanLoss", 1.5).containsEntry("loss", 1.0).doesNotContainKey("regret");
    p.regretCount = 1;
    p.regret = 0.25;
    assertThat(publisher.publish(p, new ModelParameters.Whole(learner), "m", null, null).figures()[ModelFigure.REGRET.ordinal()]).isEqualTo(0.25);
  }
}
