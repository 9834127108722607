package io.convexstream.core.linalg;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.core.linalg.Nd4jDevice.Choice;
import io.convexstream.core.linalg.Nd4jDevice.CudaDevice;
import java.util.List;
import org.junit.jupiter.api.Test;

class Nd4jDeviceTest {
  private static final List<CudaDevice> AMPERE_AND_HOPPER = List.of(new CudaDevice("NVIDIA A100", 80), new CudaDevice("NVIDIA H200", 90));

  @Test
  void cudaUsesTheAssignedGpuWhenItsKernelsExist() {
    Choice c = Nd4jDevice.choose("CUDA", AMPERE_AND_HOPPER, 0);
    assertThat(c.usable()).isTrue();
    assertThat(c.cudaDevice()).isZero();
    assertThat(c.description()).contains("A100", "sm_80");
  }

  @Test
  void hopperAndNewerFallBackToPlainJava() {
    Choice c = Nd4jDevice.choose("CUDA", AMPERE_AND_HOPPER, 1);
    assertThat(c.usable()).isFalse();
    assertThat(c.cudaDevice()).isEqualTo(-1);
    assertThat(c.description()).contains("H200", "sm_90", "up to sm_86", "plain Java");
  }

  @Test
  void aGpuIndexBeyondTheDevicesNd4jSeesFallsBack() {
    Choice c = Nd4jDevice.choose("CUDA", List.of(new CudaDevice("NVIDIA A10", 86)), 3);
    assertThat(c.usable()).isFalse();
    assertThat(c.description()).contains("GPU 3", "1 CUDA devices");
  }

  @Test
  void withoutAnAssignedGpuCudaUsesDeviceZero() {
    assertThat(Nd4jDevice.choose("CUDA", List.of(new CudaDevice("NVIDIA A10", 86)), -1).cudaDevice()).isZero();
  }

  @Test
  void theCpuBackendIsUsableAndSaysWhenAGpuGoesUnused() {
    Choice c = Nd4jDevice.choose("CPU", List.of(), 2);
    assertThat(c.usable()).isTrue();
    assertThat(c.cudaDevice()).isEqualTo(-1);
    assertThat(c.description()).contains("CPU", "GPU 2", "nd4j-cuda-11.6 is not in lib/");
  }

  @Test
  void onThisMachineNd4jLoadsItsCpuBackend() {
    Choice c = Nd4jDevice.select(-1);
    assertThat(c.usable()).as(c.description()).isTrue();
    assertThat(c.cudaDevice()).isEqualTo(-1);
    assertThat(c.description()).isEqualTo("ND4J CPU backend");
  }
}
