using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Parity.Federation;
using Parity.Federation.Strategies;
using Parity.Hosting;

namespace Parity.Tests.Hosting;

public class CodeWarmUpTests
{
    private static readonly Assembly[] FederationAssemblies = [typeof(FlSessionGrain).Assembly, typeof(IFlSessionGrain).Assembly];

    [Theory]
    [InlineData("Parity.Federation.FlSessionGrain", true)]
    [InlineData("Parity.Federation.Strategies.FedAvg", true)]
    [InlineData("Parity.Federation.FlSessionGrain+<OpenRound>d__1", true)]
    [InlineData("OrleansCodeGen.Parity.Federation.Codec_FlRoundView", true)]
    [InlineData("Parity.FederationTools.Thing", false)]
    [InlineData("Parity.Tasks.TaskGrain", false)]
    [InlineData("OrleansCodeGen.Parity.Tasks.Codec_TaskRecord", false)]
    public void A_type_matches_its_namespace_or_a_generators_copy_of_it(string fullName, bool matches)
    {
        var type = new NamedType(fullName);

        Assert.Equal(matches, CodeWarmUp.Matches(type, "Parity.Federation"));
    }

    [Fact]
    public void Every_method_of_the_strategies_compiles_ahead()
    {
        var result = CodeWarmUp.Compile("Parity.Federation.Strategies", null, FederationAssemblies);

        // FedAvg alone declares several methods; none of the strategies' may fail to compile.
        var fedAvgMethods = typeof(FedAvg).GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance |
                                                      BindingFlags.Static | BindingFlags.DeclaredOnly).Length;
        Assert.True(result.Compiled > fedAvgMethods, $"compiled {result.Compiled}");
        Assert.Equal(0, result.Failed);
        Assert.Equal(0, result.RoundTripped);
    }

    [Fact]
    public void A_namespace_with_no_types_compiles_nothing()
    {
        var result = CodeWarmUp.Compile("Parity.NoSuchRoom", null, FederationAssemblies);

        Assert.Equal(new CodeWarmUpResult(0, 0, 0, result.Elapsed), result);
    }

    [Fact]
    public void Every_serializable_session_type_round_trips_through_orleans_from_its_defaults()
    {
        using var services = new ServiceCollection()
            .AddSerializer(s => s.AddAssembly(typeof(FlSessionGrain).Assembly).AddAssembly(typeof(IFlSessionGrain).Assembly))
            .BuildServiceProvider();
        var serializable = FederationAssemblies.SelectMany(a => a.GetTypes())
            .Where(t => CodeWarmUp.Matches(t, "Parity.Federation") && !t.ContainsGenericParameters && !t.IsAbstract && !t.IsEnum
                        && t.IsDefined(typeof(GenerateSerializerAttribute), inherit: false))
            .ToList();

        var result = CodeWarmUp.Compile("Parity.Federation", services, FederationAssemblies);

        // The record, its rounds and updates among them: a codec that refuses defaults would leave its first save to compile.
        Assert.Contains(typeof(FlSessionRecord), serializable);
        Assert.Contains(typeof(FlRoundView), serializable);
        Assert.Equal(serializable.Count, result.RoundTripped);
        Assert.Equal(0, result.Failed);
    }

    [Fact]
    public async Task A_prefix_is_warmed_once_per_process_and_later_callers_share_the_run()
    {
        var first = CodeWarmUp.Start("Parity.Federation.Strategies", null, FederationAssemblies);
        var second = CodeWarmUp.Start("Parity.Federation.Strategies", null, FederationAssemblies);

        Assert.Same(first, second);
        Assert.True((await first).Compiled > 0);
    }

    /// <summary>A type that only has a name, to test the namespace rule on names no real type needs to carry.</summary>
    private sealed class NamedType(string fullName) : TypeDelegator(typeof(object))
    {
        public override string FullName => fullName;
    }
}
