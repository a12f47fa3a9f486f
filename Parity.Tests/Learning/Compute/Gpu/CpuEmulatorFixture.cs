using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using Parity.Learning.Compute.Gpu;

namespace Parity.Tests.Learning.Compute.Gpu;

/// <summary>
/// ILGPU's CPU accelerator, shared by a test class: an emulator, used only to check the kernels' results at tiny
/// sizes. It mimics an NVIDIA device (warps of 32, groups of up to 1024 threads), which the kernels' groups of 256 need.
/// </summary>
public sealed class CpuEmulatorFixture : IDisposable
{
    public CpuEmulatorFixture()
    {
        Context = Context.Create(builder => AcceleratorSelector.Configure(builder.CPU(CPUDeviceKind.Nvidia)));
        Accelerator = Context.CreateCPUAccelerator(0);
    }

    public Context Context { get; }

    public Accelerator Accelerator { get; }

    public void Dispose()
    {
        Accelerator.Dispose();
        Context.Dispose();
    }
}
