using System.Net;
using System.Reflection;
using System.Text.Json;
using Parity.Tests.Support;

namespace Parity.Tests.Gateway;

/// <summary>
/// While a dead silo is not yet declared dead, a call to a grain it hosted fails with Orleans' transient exceptions:
/// the gateway must say "retry shortly" (503 with Retry-After), not 500 as for its own bug. A cluster client whose every
/// grain call fails that way stands in for that window, which a real cluster cannot hold still for a test.
/// </summary>
public sealed class UnreachableSiloTests
{
    [Fact]
    public async Task A_grain_on_a_silo_not_yet_declared_dead_is_a_503_with_retry_after()
    {
        // (Orleans' OrleansMessageRejectionException, mapped the same way, has no public constructor to raise it here.)
        var client = UnreachableCluster.Create(new SiloUnavailableException("silo S1 is unreachable"));
        await using var gateway = await GatewayHost.StartAsync(client);
        foreach (var path in (string[])["/api/v1/federated-learning/sessions/s-1", "/api/v1/tasks/t-1"])
        {
            using var response = await gateway.Http.SendAsync(gateway.Api(HttpMethod.Get, path));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("5", response.Headers.GetValues("Retry-After").Single());
            var detail = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString();
            Assert.Contains("retry", detail);
        }
    }

    /// <summary>A cluster client whose grains throw <c>failure</c> on every call.</summary>
    public class UnreachableCluster : DispatchProxy
    {
        private Exception _failure = null!;

        public static IClusterClient Create(Exception failure)
        {
            var client = DispatchProxy.Create<IClusterClient, UnreachableCluster>();
            ((UnreachableCluster)(object)client)._failure = failure;
            return client;
        }

        protected override object? Invoke(MethodInfo? method, object?[]? args)
        {
            if (method!.Name == "GetGrain" && method.ReturnType.IsInterface)
            {
                var grain = DispatchProxy.Create(method.ReturnType, typeof(ThrowingGrain));
                ((ThrowingGrain)grain)._failure = _failure;
                return grain;
            }
            throw new NotSupportedException(method.Name);
        }
    }

    public class ThrowingGrain : DispatchProxy
    {
        internal Exception _failure = null!;

        protected override object? Invoke(MethodInfo? method, object?[]? args)
        {
            var type = method!.ReturnType;
            if (type == typeof(Task)) return Task.FromException(_failure);
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Task<>))
                return typeof(Task).GetMethod(nameof(Task.FromException), 1, [typeof(Exception)])!
                    .MakeGenericMethod(type.GetGenericArguments()[0]).Invoke(null, [_failure]);
            throw _failure;
        }
    }
}
