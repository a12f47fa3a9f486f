using System.Reflection;
using Parity.Gateway;

namespace Parity.Tests.Gateway;

/// <summary>The gateway is a small process: it needs the contract and the Orleans client, never the runner's engines.</summary>
public sealed class GatewayDependencyTests
{
    [Fact]
    public void The_gateway_references_neither_the_runner_nor_its_engines()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<AssemblyName>([typeof(GatewayApp).Assembly.GetName()]);
        while (queue.Count > 0)
        {
            var name = queue.Dequeue();
            if (!seen.Add(name.Name!) || name.Name!.StartsWith("System.", StringComparison.Ordinal)) continue;
            Assembly assembly;
            try
            {
                assembly = Assembly.Load(name);
            }
            catch (FileNotFoundException)
            {
                continue;
            }
            foreach (var reference in assembly.GetReferencedAssemblies()) queue.Enqueue(reference);
        }

        Assert.Contains("Parity.Grains.Interfaces", seen);
        Assert.Contains("Orleans.Core", seen);
        foreach (var forbidden in new[] { "Parity.Grains", "LLamaSharp", "ILGPU", "Docker.DotNet", "OllamaSharp" })
            Assert.DoesNotContain(forbidden, seen);
    }
}
