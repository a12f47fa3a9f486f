using System.Reflection;

namespace Parity.Tests.Support;

/// <summary>A grain stand-in whose calls a test's function answers, by method name and arguments.</summary>
public class FakeGrain : DispatchProxy
{
    private Func<string, object?[], object?> _answer = null!;

    public static TGrain Of<TGrain>(Func<string, object?[], object?> answer) where TGrain : class, IAddressable
    {
        var grain = Create<TGrain, FakeGrain>();
        ((FakeGrain)(object)grain)._answer = answer;
        return grain;
    }

    protected override object? Invoke(MethodInfo? method, object?[]? args) => _answer(method!.Name, args ?? []);
}
