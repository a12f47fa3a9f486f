using ILGPU;
using ILGPU.Runtime;

namespace Parity.Learning.Compute.Gpu;

/// <summary>Synchronous copies between host spans and the start of a device view (on the default stream).</summary>
internal static class DeviceCopy
{
    public static void Upload<T>(this ArrayView<T> target, ReadOnlySpan<T> data) where T : unmanaged
    {
        if (!data.IsEmpty) target.SubView(0, data.Length).CopyFromCPU(data);
    }

    public static void Download<T>(this ArrayView<T> source, Span<T> data) where T : unmanaged
    {
        if (!data.IsEmpty) source.SubView(0, data.Length).CopyToCPU(data);
    }

    public static T[] Download<T>(this ArrayView<T> source, int length) where T : unmanaged
    {
        var data = new T[length];
        source.Download(data.AsSpan());
        return data;
    }

    public static void Upload<T>(this MemoryBuffer1D<T, Stride1D.Dense> target, ReadOnlySpan<T> data) where T : unmanaged =>
        ((ArrayView<T>)target.View).Upload(data);

    public static T[] Download<T>(this MemoryBuffer1D<T, Stride1D.Dense> source, int length) where T : unmanaged =>
        ((ArrayView<T>)source.View).Download(length);
}
