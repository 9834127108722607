package io.convexstream.core.linalg;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Which device ND4J computes on for the calling thread, and whether it can. ND4J picks its backend
 * when it loads: CUDA ({@code nd4j-cuda-11.6} in lib/) where a driver is present, else the CPU
 * ({@code nd4j-native}). ND4J 1.0.0-M2.1's CUDA build has kernels up to compute capability 8.6
 * (Ampere); on newer GPUs (Hopper sm_90 and later) it cannot run, so such a device is refused and
 * the caller falls back to plain Java.
 */
public final class Nd4jDevice {
  /** The newest compute capability ND4J 1.0.0-M2.1's CUDA kernels were built for (sm_86). */
  public static final int NEWEST_SUPPORTED_CAPABILITY = 86;

  private Nd4jDevice() {}

  /**
   * What ND4J computes on.
   *
   * @param usable whether ND4J can be used (else: plain Java)
   * @param cudaDevice the CUDA device ordinal used, or −1 on the CPU backend (or when unusable)
   * @param description a line for the log: backend, device, and why
   */
  public record Choice(boolean usable, int cudaDevice, String description) {}

  /** A CUDA device as ND4J reports it: name and compute capability (major·10 + minor). */
  public record CudaDevice(String name, int capability) {}

  private static volatile Choice defaultDevice;

  /**
   * Loads ND4J (once per JVM), picks the device for the calling thread and, on CUDA, binds the
   * thread to it. {@code assignedGpu}: the GPU index Flink assigned to this task (−1: none).
   */
  public static Choice select(int assignedGpu) {
    Choice c = inspect(assignedGpu);
    if (c.usable() && c.cudaDevice() >= 0) {
      Nd4j.getAffinityManager().unsafeSetDevice(c.cudaDevice());
    }
    return c;
  }

  /** What ND4J would compute on without an assigned GPU (its device 0, or the CPU); inspected once. */
  public static Choice defaultDevice() {
    Choice c = defaultDevice;
    if (c == null) {
      c = inspect(-1);
      defaultDevice = c;
    }
    return c;
  }

  private static Choice inspect(int assignedGpu) {
    Properties env;
    try {
      env = Nd4j.getExecutioner().getEnvironmentInformation();
    } catch (Throwable t) { // natives missing or not loadable: UnsatisfiedLinkError, NoClassDefFoundError, ...
      return new Choice(false, -1, "ND4J cannot load (" + t + "); plain Java");
    }
    return choose(String.valueOf(env.get("backend")), cudaDevices(env), assignedGpu);
  }

  /** The decision, apart from ND4J: backend name ("CPU" or "CUDA"), the CUDA devices, the assigned GPU. */
  public static Choice choose(String backend, List<CudaDevice> devices, int assignedGpu) {
    if (!"CUDA".equalsIgnoreCase(backend)) {
      return new Choice(true, -1, "ND4J " + backend + " backend" + (assignedGpu >= 0
          ? " although GPU " + assignedGpu + " is assigned (nd4j-cuda-11.6 is not in lib/)" : ""));
    }
    int index = Math.max(assignedGpu, 0);
    if (index >= devices.size()) {
      return new Choice(false, -1, "GPU " + index + " is assigned but ND4J sees " + devices.size() + " CUDA devices; plain Java");
    }
    CudaDevice dev = devices.get(index);
    String name = "CUDA device " + index + " (" + dev.name() + ", sm_" + dev.capability() + ")";
    if (dev.capability() > NEWEST_SUPPORTED_CAPABILITY) {
      return new Choice(false, -1, name + " is newer than ND4J 1.0.0-M2.1's kernels (up to sm_"
          + NEWEST_SUPPORTED_CAPABILITY + "); plain Java");
    }
    return new Choice(true, index, "ND4J on " + name);
  }

  @SuppressWarnings("unchecked")
  private static List<CudaDevice> cudaDevices(Properties env) {
    List<CudaDevice> out = new ArrayList<>();
    Object list = env.get("cuda.devicesInformation");
    if (list instanceof List<?> l) {
      for (Object o : l) {
        Map<String, Object> m = (Map<String, Object>) o;
        int major = ((Number) m.getOrDefault("cuda.deviceMajor", 0)).intValue();
        int minor = ((Number) m.getOrDefault("cuda.deviceMinor", 0)).intValue();
        out.add(new CudaDevice(String.valueOf(m.get("cuda.deviceName")), major * 10 + minor));
      }
    }
    return out;
  }
}
