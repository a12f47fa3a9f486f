using ILGPU.Runtime;
using Parity.Learning.Compute.Gpu;

namespace Parity.Tests.Learning.Compute.Gpu;

public sealed class AcceleratorSelectorTests
{
    [Fact]
    public void Picks_a_gpu_or_the_cpu_simd_path_never_the_ilgpu_emulator()
    {
        var device = AcceleratorSelector.Select();
        try
        {
            Assert.Contains(device.Info.Kind, new[] { "cuda", "opencl", "cpu-simd" });
            Assert.False(string.IsNullOrEmpty(device.Info.Name));
            Assert.True(device.Info.MemoryBytes > 0);
            if (device.Kind == ComputeKind.CpuSimd)
            {
                Assert.Null(device.Accelerator);
                Assert.Equal("cpu-simd", device.Info.Kind);
                Assert.Null(device.Info.ComputeCapability);
            }
            else
            {
                Assert.NotNull(device.Accelerator);
                Assert.NotEqual(AcceleratorType.CPU, device.Accelerator.AcceleratorType);
            }
        }
        finally
        {
            device.Dispose();
        }
        device.Dispose(); // twice is harmless
    }

    [Fact]
    public void The_cpu_simd_path_reports_itself()
    {
        using var device = ComputeDevice.CpuSimd();

        Assert.False(device.IsGpu);
        Assert.Equal(ComputeKind.CpuSimd, device.Kind);
        Assert.Equal("cpu-simd", device.Info.Kind);
        Assert.Empty(device.Skipped);
    }
}
