package io.convexstream.flink.omd;

import io.convexstream.core.linalg.Nd4jDevice;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a learner subtask computes: the GPU a GPU TaskManager assigned its slot
 * (deploy/kubernetes/flink/gradients.yaml), and ND4J on it where the settings ask for ND4J and it
 * runs here, else plain Java. Both show as gauges ({@code gpuIndex}, {@code nd4jDevice}).
 */
final class LearnerDevice {
  private static final Logger LOG = LoggerFactory.getLogger(LearnerDevice.class);

  private LearnerDevice() {}

  /** {@code settings}, or the same on plain Java where ND4J cannot run on this TaskManager. */
  static LearnerSettings choose(LearnerSettings settings, RuntimeContext context, MetricGroup metrics) {
    int gpu = context.getExternalResourceInfos("gpu").stream().findFirst()
        .flatMap(info -> info.getProperty("index")).map(Integer::parseInt).orElse(-1);
    metrics.gauge("gpuIndex", (Gauge<Integer>) () -> gpu);
    LearnerSettings active = settings;
    int nd4jDevice = -2; // −2: plain Java; −1: ND4J on the CPU; ≥ 0: ND4J on that CUDA device
    if (settings.mayUseNd4j()) {
      Nd4jDevice.Choice choice = Nd4jDevice.select(gpu);
      LOG.info("{}: {}", context.getTaskInfo().getTaskNameWithSubtasks(), choice.description());
      if (!choice.usable()) {
        active = settings.replaceBackend("nd4j", "java").replaceBackend("auto", "java");
      }
      nd4jDevice = choice.usable() ? choice.cudaDevice() : -2;
    }
    int device = nd4jDevice;
    metrics.gauge("nd4jDevice", (Gauge<Integer>) () -> device);
    return active;
  }
}
