using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;
using Parity.Configuration;
using Parity.Tests.Support;

namespace Parity.Tests.Configuration;

/// <summary>.env.sample lists every key the settings read, and no key nothing reads.</summary>
public class EnvSampleTests
{
    [Fact]
    public void Env_sample_names_exactly_the_keys_the_settings_read()
    {
        var recording = new RecordingConfiguration();
        ParitySettings.Load(recording);
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

    private sealed class RecordingConfiguration : IConfiguration
    {
        public HashSet<string> Keys { get; } = [];

        public string? this[string key]
        {
            get
            {
                Keys.Add(key);
                return null;
            }
            set => throw new NotSupportedException();
        }

        public IEnumerable<IConfigurationSection> GetChildren() => [];
        public IChangeToken GetReloadToken() => throw new NotSupportedException();
        public IConfigurationSection GetSection(string key) => throw new NotSupportedException();
    }
}
