using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using Parity.Hosting;
using Parity.Tasks;

namespace Parity.Tests.Hosting;

/// <summary>The one-silo cluster's in-process grain storage: copies, not shared objects, and ETags checked like a real store's.</summary>
public sealed class LocalGrainStorageTests
{
    private static readonly GrainId Grain = GrainId.Create("task", "t1");
    private readonly LocalGrainStorage _storage = new(
        new ServiceCollection().AddSerializer(s => s.AddAssembly(typeof(TaskRecord).Assembly)).BuildServiceProvider().GetRequiredService<Serializer>());

    private static GrainState<TaskRecord> Fresh() => new(new TaskRecord());

    private static ParityTask Task(string command) => new() { Id = "t1", Config = $$"""{"command":"{{command}}"}""" };

    [Fact]
    public async Task A_written_state_reads_back_as_a_copy()
    {
        var state = Fresh();
        state.State!.Task = Task("echo one");
        await _storage.WriteStateAsync("task", Grain, state);
        state.State!.Attempt = 99;  // changed after the write, not written

        var read = Fresh();
        await _storage.ReadStateAsync("task", Grain, read);

        Assert.True(read.RecordExists);
        Assert.Equal(state.ETag, read.ETag);
        Assert.Equal(Task("echo one"), read.State!.Task);
        Assert.Equal(0, read.State!.Attempt);
        Assert.NotSame(state.State, read.State);
    }

    [Fact]
    public async Task A_stale_activation_cannot_overwrite_a_newer_state()
    {
        var first = Fresh();
        await _storage.WriteStateAsync("task", Grain, first);
        var stale = Fresh();
        await _storage.ReadStateAsync("task", Grain, stale);
        first.State!.Attempt = 2;
        await _storage.WriteStateAsync("task", Grain, first);

        stale.State!.Attempt = 7;
        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync("task", Grain, stale));
        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.ClearStateAsync("task", Grain, stale));
        // A second first write (no ETag) of a grain that has a state is stale too.
        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync("task", Grain, Fresh()));

        var read = Fresh();
        await _storage.ReadStateAsync("task", Grain, read);
        Assert.Equal(2, read.State!.Attempt);
    }

    [Fact]
    public async Task A_cleared_state_is_gone_and_the_grain_starts_afresh()
    {
        var state = Fresh();
        state.State!.Attempt = 3;
        await _storage.WriteStateAsync("task", Grain, state);
        await _storage.WriteStateAsync("task", GrainId.Create("task", "t2"), Fresh());

        await _storage.ClearStateAsync("task", Grain, state);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.Equal(1, _storage.Count);
        var read = Fresh();
        await _storage.ReadStateAsync("task", Grain, read);
        Assert.False(read.RecordExists);
        Assert.Equal(0, read.State!.Attempt);
        await _storage.WriteStateAsync("task", Grain, read);  // a new first write succeeds
        Assert.Equal(2, _storage.Count);
    }

    [Fact]
    public async Task States_of_one_grain_under_two_names_are_apart()
    {
        var a = Fresh();
        a.State!.Attempt = 1;
        await _storage.WriteStateAsync("task", Grain, a);
        var b = Fresh();
        await _storage.ReadStateAsync("other", Grain, b);
        Assert.False(b.RecordExists);
    }
}
