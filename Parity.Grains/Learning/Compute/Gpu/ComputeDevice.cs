using ILGPU;
using ILGPU.Runtime;

namespace Parity.Learning.Compute.Gpu;

/// <summary>Where the learning kernels run.</summary>
public enum ComputeKind
{
    /// <summary>No usable GPU: the vectorized CPU code (<see cref="CpuGemm"/>, the CPU forest).</summary>
    CpuSimd,
    Cuda,
    OpenCL,
}

/// <summary>The compute device as a runner reports it among its capabilities.</summary>
/// <param name="Kind">"cuda", "opencl" or "cpu-simd".</param>
/// <param name="ComputeCapability">The CUDA compute capability ("9.0"); null for other kinds.</param>
public sealed record ComputeDeviceInfo(string Kind, string Name, long MemoryBytes, string? ComputeCapability = null);

/// <summary>
/// The device chosen at start-up (see <see cref="AcceleratorSelector"/>): a CUDA or OpenCL accelerator, or none,
/// meaning the CPU SIMD path. Owns the ILGPU context and accelerator and releases both on dispose.
/// </summary>
public sealed class ComputeDevice : IDisposable
{
    private readonly Context? _context;
    private bool _disposed;

    private ComputeDevice(ComputeKind kind, ComputeDeviceInfo info, Context? context, Accelerator? accelerator,
        IReadOnlyList<string> skipped)
    {
        Kind = kind;
        Info = info;
        _context = context;
        Accelerator = accelerator;
        Skipped = skipped;
    }

    public ComputeKind Kind { get; }

    public ComputeDeviceInfo Info { get; }

    /// <summary>The GPU to run kernels on; null on the CPU SIMD path.</summary>
    public Accelerator? Accelerator { get; }

    public bool IsGpu => Accelerator is not null;

    /// <summary>Devices seen but not used, each with the reason (for start-up logs).</summary>
    public IReadOnlyList<string> Skipped { get; }

    /// <summary>The CPU SIMD path: no ILGPU accelerator.</summary>
    public static ComputeDevice CpuSimd(IReadOnlyList<string>? skipped = null)
    {
        var simd = CpuGemm.BestKernel();
        var info = new ComputeDeviceInfo("cpu-simd", $"{Environment.ProcessorCount} cores, {simd} GEMM",
            GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
        return new ComputeDevice(ComputeKind.CpuSimd, info, null, null, skipped ?? []);
    }

    /// <summary>Takes ownership of <paramref name="accelerator"/> and its <paramref name="context"/>.</summary>
    internal static ComputeDevice ForGpu(ComputeKind kind, ComputeDeviceInfo info, Context context, Accelerator accelerator,
        IReadOnlyList<string> skipped) => new(kind, info, context, accelerator, skipped);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Accelerator?.Dispose();
        _context?.Dispose();
    }
}
