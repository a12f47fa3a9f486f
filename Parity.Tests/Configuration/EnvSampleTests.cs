using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Parity.Hosting;
using Parity.Tests.Support;

namespace Parity.Tests.Configuration;

/// <summary>.env.sample lists every key the options read, and no key nothing reads.</summary>
public class EnvSampleTests
{
    [Fact]
    public void Env_sample_names_exactly_the_keys_the_options_read()
    {
        var recording = new RecordingSource();
        var services = new ServiceCollection().AddParityRunnerOptions(new ConfigurationBuilder().Add(recording).Build());
        // Every room with a reader, found from the registrations rather than listed here, so a new room is covered too.
        var rooms = services
            .Where(d => d.ServiceType.IsGenericType && d.ServiceType.GetGenericTypeDefinition() == typeof(IConfigureOptions<>))
            .Select(d => d.ServiceType.GetGenericArguments()[0])
            .Distinct()
            .ToList();
        using (var provider = services.BuildServiceProvider())
            foreach (var room in rooms)
                _ = ((IOptions<object>)provider.GetRequiredService(typeof(IOptions<>).MakeGenericType(room))).Value;
        Assert.True(rooms.Count >= 6, $"only {rooms.Count} options rooms registered");
        var read = recording.Keys;

        var text = File.ReadAllText(Path.Combine(TestEngines.RepoRoot, ".env.sample"));
        // Only the environment can say where the .env file is, so the sample explains it in a comment.
        Assert.Contains("PARITY_CONFIG_PATH", text);
        var sample = text.Split('\n')
            .Select(line => Regex.Match(line, "^([A-Z][A-Z0-9_]*)="))
            .Where(m => m.Success)
            .Select(m => m.Groups[1].Value)
            .ToHashSet();

        Assert.Empty(read.Except(sample).Order());
        Assert.Empty(sample.Except(read).Order());
    }

    /// <summary>A configuration with no values that remembers every key looked up in it.</summary>
    private sealed class RecordingSource : ConfigurationProvider, IConfigurationSource
    {
        public HashSet<string> Keys { get; } = [];

        public IConfigurationProvider Build(IConfigurationBuilder builder) => this;

        public override bool TryGet(string key, out string? value)
        {
            lock (Keys) Keys.Add(key);
            value = null;
            return false;
        }
    }
}
