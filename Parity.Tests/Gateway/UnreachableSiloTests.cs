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
    public static TheoryData<Exception> Recovering => new()
    {
        new SiloUnavailableException("silo S1 is unreachable"),
        // What a real gateway got for a task grain of a SIGKILLed silo (MultiProcessClusterTests): the call sent
        // before the connection broke waits out the response timeout.
        new TimeoutException("Response did not arrive on time in 00:00:30 for message: Request [...]->[S127.0.0.1:38623:0 task/t-1] " +
                             "Parity.Tasks.ITaskGrain.Get()"),
        // The same, relayed by a grain that called the lost one.
        new OrleansException("task t-1 could not be read", new TimeoutException("Response did not arrive on time")),
    };

    [Theory]
    [MemberData(nameof(Recovering))]
    public async Task A_grain_on_a_silo_not_yet_declared_dead_is_a_503_with_retry_after(Exception failure)
    {
        // (Orleans' OrleansMessageRejectionException, mapped the same way, has no public constructor to raise it here.)
        var client = UnreachableCluster.Create(failure);
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

    [Fact]
    public async Task A_bug_of_the_gateway_is_still_a_500()
    {
        await using var gateway = await GatewayHost.StartAsync(UnreachableCluster.Create(new InvalidOperationException("a bug")));
        using var response = await gateway.Http.SendAsync(gateway.Api(HttpMethod.Get, "/api/v1/tasks/t-1"));
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.False(response.Headers.Contains("Retry-After"));
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
