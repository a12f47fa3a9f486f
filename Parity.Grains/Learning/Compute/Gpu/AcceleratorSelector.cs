using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace Parity.Learning.Compute.Gpu;

/// <summary>
/// Picks the compute device at start-up: the first CUDA device that opens, else the first OpenCL device with generic
/// address space support (ILGPU's OpenCL backend needs it; Debian 12's PoCL lacks it), else the CPU SIMD path.
/// ILGPU's own CPU accelerator is an emulator, far slower than plain loops, and is never chosen.
/// </summary>
public static class AcceleratorSelector
{
    /// <summary>Never throws: any failure to enumerate or open a device leads to the CPU SIMD path.</summary>
    public static ComputeDevice Select()
    {
        var skipped = new List<string>();
        Context context;
        try
        {
            context = Context.Create(builder => Configure(builder.Cuda().OpenCL()));
        }
        catch (Exception e)
        {
            skipped.Add($"ILGPU could not enumerate devices: {e.Message}");
            return ComputeDevice.CpuSimd(skipped);
        }

        try
        {
            // CUDA before OpenCL; ILGPU adds its CPU emulator when it finds nothing else, which is skipped here.
            var candidates = context.Devices
                .Where(d => d.AcceleratorType is AcceleratorType.Cuda or AcceleratorType.OpenCL)
                .OrderBy(d => d.AcceleratorType == AcceleratorType.Cuda ? 0 : 1);
            foreach (var device in candidates)
            {
                if (device is CLDevice cl && !cl.Capabilities.GenericAddressSpace)
                {
                    skipped.Add($"{device.Name} (OpenCL): no generic address space support");
                    continue;
                }
                try
                {
                    var accelerator = device.CreateAccelerator(context);
                    return ComputeDevice.ForGpu(KindOf(device), Describe(device), context, accelerator, skipped);
                }
                catch (Exception e)
                {
                    skipped.Add($"{device.Name} ({device.AcceleratorType}): {e.Message}");
                }
            }
        }
        catch (Exception e)
        {
            skipped.Add($"ILGPU device enumeration failed: {e.Message}");
        }
        context.Dispose();
        return ComputeDevice.CpuSimd(skipped);
    }

    /// <summary>The context options the kernels here need (tests apply them to their CPU-emulator contexts too).</summary>
    internal static Context.Builder Configure(Context.Builder builder) =>
        // Kernels are compiled once per process, so the slower, tighter optimization level costs little.
        builder.Optimize(OptimizationLevel.O2);

    private static ComputeKind KindOf(Device device) =>
        device.AcceleratorType == AcceleratorType.Cuda ? ComputeKind.Cuda : ComputeKind.OpenCL;

    internal static ComputeDeviceInfo Describe(Device device) => device switch
    {
        CudaDevice cuda => new ComputeDeviceInfo("cuda", cuda.Name, cuda.MemorySize,
            cuda.Architecture is { } arch ? $"{arch.Major}.{arch.Minor}" : null),
        CLDevice cl => new ComputeDeviceInfo("opencl", cl.Name, cl.MemorySize),
        _ => new ComputeDeviceInfo(device.AcceleratorType.ToString().ToLowerInvariant(), device.Name, device.MemorySize),
    };
}
