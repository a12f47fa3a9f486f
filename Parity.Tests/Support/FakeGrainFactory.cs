using System.Reflection;

namespace Parity.Tests.Support;

/// <summary>
/// A grain factory for unit tests of code that calls grains without a cluster: it hands out one interface's grains, made
/// by the test for each key (see <see cref="FakeGrain"/>), and refuses anything else. It makes no Orleans references, so
/// GrainReferences asks it the usual way.
/// </summary>
public class FakeGrainFactory : DispatchProxy
{
    private Type _grain = null!;
    private Func<object, object> _make = null!;

    public static IGrainFactory Handing<TGrain>(Func<object, TGrain> make) where TGrain : class, IAddressable
    {
        var factory = Create<IGrainFactory, FakeGrainFactory>();
        var fake = (FakeGrainFactory)(object)factory;
        fake._grain = typeof(TGrain);
        fake._make = key => make(key);
        return factory;
    }

    protected override object? Invoke(MethodInfo? method, object?[]? args)
    {
        if (method!.Name == nameof(IGrainFactory.GetGrain) && method.ReturnType == _grain) return _make(args![0]!);
        // GrainReferences asks for a sample reference first; a stand-in factory makes none.
        if (method.Name == nameof(IGrainFactory.GetGrain) && method.ReturnType == typeof(IAddressable)) return null;
        throw new NotSupportedException(method.Name);
    }
}
