package io.convexstream.flink.moe;

import io.convexstream.core.moe.Router;
import io.convexstream.schemas.RouterLoadReport;
import io.convexstream.schemas.RouterScoreBatch;
import java.io.Serializable;

/** How one input record becomes a rank's tokens per expert for a global step. */
public interface LoadSource<T> extends Serializable {
  String key(T r);

  long step(T r);

  int rank(T r);

  int expectedRanks(T r);

  int experts(T r);

  long eventTime(T r);

  /** Step of the biases the worker routed this record's tokens with; −1 when it does not say. */
  default long biasVersion(T r) {
    return -1;
  }

  /** Whether {@link #loads} needs the biases of the step (score batches are routed by the operator). */
  boolean routesWithBiases();

  long[] loads(T r, float[] biases);

  static String key(String model, int layer) {
    return model + "/" + layer;
  }

  /** Load reports: the worker counted its tokens per expert. */
  final class Reports implements LoadSource<RouterLoadReport> {
    private static final long serialVersionUID = 1L;

    @Override
    public String key(RouterLoadReport r) {
      return LoadSource.key(r.getModelId(), r.getLayer());
    }

    @Override
    public long step(RouterLoadReport r) {
      return r.getGlobalStep();
    }

    @Override
    public int rank(RouterLoadReport r) {
      return r.getRank();
    }

    @Override
    public int expectedRanks(RouterLoadReport r) {
      return r.getExpectedRanks();
    }

    @Override
    public int experts(RouterLoadReport r) {
      return r.getTokensPerExpert().size();
    }

    @Override
    public long eventTime(RouterLoadReport r) {
      return r.getEventTime().toEpochMilli();
    }

    @Override
    public long biasVersion(RouterLoadReport r) {
      return r.getBiasVersion();
    }

    @Override
    public boolean routesWithBiases() {
      return false;
    }

    @Override
    public long[] loads(RouterLoadReport r, float[] biases) {
      return r.getTokensPerExpert().stream().mapToLong(Long::longValue).toArray();
    }
  }

  /** Raw router scores: the operator routes the tokens with its current biases. */
  final class Scores implements LoadSource<RouterScoreBatch> {
    private static final long serialVersionUID = 1L;
    private final BalancerSettings settings;

    public Scores(BalancerSettings settings) {
      this.settings = settings;
    }

    @Override
    public String key(RouterScoreBatch r) {
      return LoadSource.key(r.getModelId(), r.getLayer());
    }

    @Override
    public long step(RouterScoreBatch r) {
      return r.getGlobalStep();
    }

    @Override
    public int rank(RouterScoreBatch r) {
      return r.getRank();
    }

    @Override
    public int expectedRanks(RouterScoreBatch r) {
      return r.getExpectedRanks();
    }

    @Override
    public int experts(RouterScoreBatch r) {
      return r.getNumExperts();
    }

    @Override
    public long eventTime(RouterScoreBatch r) {
      return r.getEventTime().toEpochMilli();
    }

    @Override
    public boolean routesWithBiases() {
      return true;
    }

    @Override
    public long[] loads(RouterScoreBatch r, float[] biases) {
      int e = r.getNumExperts();
      float[] logits = new float[r.getScores().size()];
      for (int i = 0; i < logits.length; i++) {
        logits[i] = r.getScores().get(i);
      }
      long[] loads = new long[e];
      new Router(e, settings.topK(), settings.scoring(), settings.groups(), settings.topGroups())
          .countLoads(logits, r.getNumTokens(), biases, loads);
      return loads;
    }
  }
}
