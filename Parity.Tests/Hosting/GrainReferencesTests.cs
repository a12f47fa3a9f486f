using Parity.Hosting;
using Parity.Runners;
using Parity.Tasks;
using Parity.Tests.Support;

namespace Parity.Tests.Hosting;

/// <summary>References made without Orleans' per-call reflection are the references GetGrain makes, and they call through.</summary>
public sealed class GrainReferencesTests : IAsyncLifetime
{
    private ParityTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ParityTestCluster.StartAsync(silos: 1);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Theory]
    [InlineData("task-1")]
    [InlineData("fl-s-r1-p0")]
    public async Task A_string_keyed_reference_is_the_one_GetGrain_makes(string key)
    {
        var grains = _cluster.Client;
        var made = grains.Reference<ITaskGrain>(key);
        var expected = grains.GetGrain<ITaskGrain>(key);

        Assert.Equal(expected.GetGrainId(), made.GetGrainId());
        Assert.Equal(((GrainReference)(object)expected).InterfaceType, ((GrainReference)(object)made).InterfaceType);
        Assert.Equal(expected.GetType(), made.GetType());
        Assert.Equal(key, made.GetPrimaryKeyString());
        Assert.Null(await made.Get()); // it calls through: no task by that id
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public void A_key_GetGrain_refuses_is_refused_alike(string key)
    {
        Assert.Throws<ArgumentException>(() => _cluster.Client.GetGrain<ITaskGrain>(key));
        Assert.Throws<ArgumentException>(() => _cluster.Client.Reference<ITaskGrain>(key));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(7L)]
    [InlineData(3L)]
    public async Task An_integer_keyed_reference_is_the_one_GetGrain_makes(long key)
    {
        var grains = _cluster.Client;
        var made = grains.Reference<ITaskIndexGrain>(key);
        var expected = grains.GetGrain<ITaskIndexGrain>(key);

        Assert.Equal(expected.GetGrainId(), made.GetGrainId());
        Assert.Equal(((GrainReference)(object)expected).InterfaceType, ((GrainReference)(object)made).InterfaceType);
        Assert.Equal(key, made.GetPrimaryKeyLong());
        var counts = await made.Counts(); // it calls through: a shard of a fresh cluster lists nothing
        Assert.Equal(0, counts.Pending + counts.Running + counts.Completed + counts.Failed + counts.Cancelled);
    }

    [Fact]
    public void Two_interfaces_do_not_share_their_types()
    {
        var grains = _cluster.Client;
        Assert.Equal(grains.GetGrain<IRunnerGrain>("r").GetGrainId(), grains.Reference<IRunnerGrain>("r").GetGrainId());
        Assert.Equal(grains.GetGrain<IRunnerDirectoryGrain>(0).GetGrainId(), grains.Reference<IRunnerDirectoryGrain>(0).GetGrainId());
        Assert.NotEqual(grains.Reference<IRunnerGrain>("r").GetGrainId().Type, grains.Reference<ITaskGrain>("r").GetGrainId().Type);
    }
}
