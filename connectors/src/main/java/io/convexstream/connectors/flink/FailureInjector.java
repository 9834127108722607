package io.convexstream.connectors.flink;

import io.convexstream.flink.RawRecord;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;

/**
 * Fault injection for drills and tests: the k-th restart attempt of the task fails when it reaches
 * the k-th listed source position (partition@offset), so a run with n positions fails n times,
 * each time further into the stream, and then completes. An optional pause per record stretches a
 * short input over several checkpoints. Off unless a job is given the option.
 */
public final class FailureInjector extends RichMapFunction<RawRecord, RawRecord> {
  private static final long serialVersionUID = 1L;
  private final List<long[]> positions = new ArrayList<>();
  private final long pauseMicros;
  private transient long[] target;

  /** {@code spec}: "P@O,P@O,..." (partition@offset, one per failure, in order of attempts). */
  public FailureInjector(String spec, long pauseMicros) {
    for (String p : spec.split(",")) {
      String[] f = p.trim().split("@");
      if (f.length != 2) {
        throw new IllegalArgumentException("failure positions are partition@offset, not '" + p + "'");
      }
      positions.add(new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])});
    }
    this.pauseMicros = pauseMicros;
  }

  @Override
  public void open(OpenContext ctx) {
    int attempt = getRuntimeContext().getTaskInfo().getAttemptNumber();
    target = attempt < positions.size() ? positions.get(attempt) : null;
  }

  @Override
  public RawRecord map(RawRecord r) throws Exception {
    if (pauseMicros > 0) {
      Thread.sleep(pauseMicros / 1000, (int) (pauseMicros % 1000) * 1000);
    }
    if (target != null && r.partition == target[0] && r.offset == target[1]) {
      throw new InjectedFailure("injected failure at " + r + " (attempt " + getRuntimeContext().getTaskInfo().getAttemptNumber() + ")");
    }
    return r;
  }

  /** The exception an injected failure throws. */
  public static final class InjectedFailure extends Exception {
    private static final long serialVersionUID = 1L;

    InjectedFailure(String message) {
      super(message);
    }
  }
}
