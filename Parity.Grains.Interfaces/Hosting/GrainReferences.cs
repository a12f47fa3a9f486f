using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Parity.Hosting;

/// <summary>
/// Grain references without the reflection Orleans repeats on every <c>GetGrain&lt;T&gt;(key)</c>: its interface type
/// resolver reads the interface's attributes and formats and parses its type name on each call, which a profile of
/// webhook ingest showed as a tenth of everything allocated (the task grain, its queue, its index shard and the
/// runner directory are each looked up once or more per webhook). Here the grain and interface types are resolved once
/// per factory and interface, and a reference is built from them: exactly the reference GetGrain would return. Used on
/// the paths every task takes (submit, admission, its index shard, dispatch, the directory read, the queue's pokes);
/// elsewhere a lookup's cost does not show and GetGrain is kept.
/// </summary>
public static class GrainReferences
{
    private static readonly ConditionalWeakTable<IGrainFactory, ConcurrentDictionary<Type, (GrainType, GrainInterfaceType)?>> Resolved = new();

    public static T Reference<T>(this IGrainFactory grains, string key) where T : IGrainWithStringKey
    {
        // GetGrain's own rule, so that both refuse the same keys.
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        return TypesOf<T>(grains) is (var grain, var contract)
            ? (T)grains.GetGrain(GrainId.Create(grain, IdSpan.Create(key)), contract)
            : grains.GetGrain<T>(key);
    }

    public static T Reference<T>(this IGrainFactory grains, long key) where T : IGrainWithIntegerKey =>
        TypesOf<T>(grains) is (var grain, var contract)
            ? (T)grains.GetGrain(GrainId.Create(grain, GrainIdKeyExtensions.CreateIntegerKey(key)), contract)
            : grains.GetGrain<T>(key);

    /// <summary>The types, or null from a factory that does not make Orleans references (a test's stand-in), which is then asked the usual way.</summary>
    private static (GrainType, GrainInterfaceType)? TypesOf<T>(IGrainFactory grains) where T : IAddressable
    {
        var known = Resolved.GetValue(grains, static _ => new());
        if (known.TryGetValue(typeof(T), out var types)) return types;
        // A race resolves twice to the same answer.
        var sample = grains.GetGrain(typeof(T), IdSpan.Create("0")) as GrainReference;
        return known[typeof(T)] = sample is null ? null : (sample.GrainId.Type, sample.InterfaceType);
    }
}
