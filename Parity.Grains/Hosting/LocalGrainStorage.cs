using System.Collections.Concurrent;
using Orleans.Serialization;
using Orleans.Storage;

namespace Parity.Hosting;

/// <summary>
/// Grain state in this process's memory, for the one-silo localhost cluster: a dictionary of serialized states with an
/// ETag each. Orleans' own memory storage keeps states in storage grains, so every write is one more grain call and
/// message; a localhost cluster has one silo, so a grain's state and the grain always share this process and the hop
/// buys nothing. States are serialized (never shared objects), and ETags are checked as a real store checks them, so a
/// stale activation cannot overwrite a newer state. A state is serialized through a pooled buffer into one array of its
/// size (Orleans' storage serializer grows a fresh buffer for each write), and keyed without building a string.
/// </summary>
public sealed class LocalGrainStorage(Serializer serializer) : IGrainStorage
{
    private readonly ConcurrentDictionary<Key, Stored> _states = new();
    private long _version;

    public int Count => _states.Count;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (_states.TryGetValue(new Key(stateName, grainId), out var stored))
        {
            grainState.State = serializer.Deserialize<T>(stored.Data);
            grainState.ETag = stored.ETag;
            grainState.RecordExists = true;
        }
        else
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
        }
        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = new Key(stateName, grainId);
        var written = new Stored(serializer.SerializeToArray(grainState.State), NextETag());
        if (grainState.ETag is not { } expected)
        {
            if (!_states.TryAdd(key, written)) throw Conflict(stateName, grainId, null, Current(key));
        }
        else if (!_states.TryGetValue(key, out var current) || current.ETag != expected || !_states.TryUpdate(key, written, current))
        {
            throw Conflict(stateName, grainId, expected, Current(key));
        }
        grainState.ETag = written.ETag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = new Key(stateName, grainId);
        if (_states.TryGetValue(key, out var current))
        {
            if (current.ETag != grainState.ETag || !_states.TryRemove(KeyValuePair.Create(key, current)))
                throw Conflict(stateName, grainId, grainState.ETag, Current(key));
        }
        else if (grainState.ETag is not null)
        {
            throw Conflict(stateName, grainId, grainState.ETag, null);
        }
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    private readonly record struct Key(string StateName, GrainId GrainId);

    private string NextETag() => Interlocked.Increment(ref _version).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private string? Current(Key key) => _states.TryGetValue(key, out var stored) ? stored.ETag : null;

    private static InconsistentStateException Conflict(string stateName, GrainId grainId, string? expected, string? stored) =>
        new($"state '{stateName}' of {grainId} changed under this activation (stored version {stored ?? "none"}, expected {expected ?? "none"})",
            stored ?? "none", expected ?? "none");

    private sealed record Stored(byte[] Data, string ETag);
}
