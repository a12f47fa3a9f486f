using Parity.Llm;

namespace Parity.Tests.Llm;

public sealed class ModelNamesTests
{
    [Theory]
    [InlineData("qwen2.5", "qwen2.5")]
    [InlineData("qwen2.5:0.5b", "qwen2.5:0.5b")]
    [InlineData("Qwen2.5:0.5B", "qwen2.5:0.5b")]
    [InlineData("qwen2.5", "qwen2.5:latest")]
    [InlineData("qwen2.5:latest", "qwen2.5")]
    [InlineData("QWEN2.5:LATEST", "qwen2.5")]
    [InlineData("tiny:latest", "tiny")]
    [InlineData("registry.local:5000/library/qwen2.5", "registry.local:5000/library/qwen2.5:latest")]
    public void Matches_the_same_model(string requested, string available) =>
        Assert.True(ModelNames.Matches(requested, available));

    [Theory]
    [InlineData("qwen2.5:7b", "qwen2.5:0.5b")]   // a tag never matches another tag
    [InlineData("qwen2.5:7b", "qwen2.5")]        // nor the untagged (latest) one
    [InlineData("qwen2.5", "qwen2.5:0.5b")]      // only Resolve, seeing every name, may pick the single tag
    [InlineData("qwen2", "qwen2.5")]
    [InlineData("qwen2.5", "qwen2")]
    [InlineData("llama3:latest", "llama3:8b")]
    [InlineData("registry.local:5000/library/qwen2.5", "qwen2.5")]
    public void Does_not_match_another_model(string requested, string available) =>
        Assert.False(ModelNames.Matches(requested, available));

    [Theory]
    [InlineData("qwen2.5", "qwen2.5", null)]
    [InlineData("qwen2.5:0.5b", "qwen2.5", "0.5b")]
    [InlineData("registry.local:5000/ns/m", "registry.local:5000/ns/m", null)]
    [InlineData("registry.local:5000/ns/m:q4", "registry.local:5000/ns/m", "q4")]
    [InlineData("odd:", "odd", null)]
    public void Splits_base_and_tag(string name, string expectedBase, string? expectedTag)
    {
        var (baseName, tag) = ModelNames.Split(name);

        Assert.Equal(expectedBase, baseName);
        Assert.Equal(expectedTag, tag);
    }

    [Fact]
    public void An_exact_name_wins_over_every_other_rule()
    {
        string[] available = ["qwen2.5:latest", "qwen2.5", "qwen2.5:0.5b"];

        Assert.Equal("qwen2.5", ModelNames.Resolve("qwen2.5", available));
        Assert.Equal("qwen2.5:latest", ModelNames.Resolve("qwen2.5:latest", available));
        Assert.Equal("qwen2.5:0.5b", ModelNames.Resolve("qwen2.5:0.5b", available));
    }

    [Fact]
    public void An_exact_name_in_the_same_case_wins_over_one_in_another_case()
    {
        Assert.Equal("Tiny", ModelNames.Resolve("Tiny", ["tiny", "Tiny"]));
        Assert.Equal("tiny", ModelNames.Resolve("TINY", ["tiny", "other"]));
    }

    [Fact]
    public void A_name_without_a_tag_prefers_latest()
    {
        Assert.Equal("qwen2.5:latest", ModelNames.Resolve("qwen2.5", ["qwen2.5:0.5b", "qwen2.5:latest", "qwen2.5:7b"]));
    }

    [Fact]
    public void A_name_without_a_tag_takes_the_only_tag()
    {
        Assert.Equal("qwen2.5:0.5b", ModelNames.Resolve("qwen2.5", ["llama3:8b", "qwen2.5:0.5b", "qwen2:1.5b"]));
    }

    [Fact]
    public void Several_tags_without_latest_are_ambiguous()
    {
        string[] available = ["qwen2.5:0.5b", "qwen2.5:7b", "llama3:8b"];

        Assert.Null(ModelNames.Resolve("qwen2.5", available));
        Assert.Equal(["qwen2.5:0.5b", "qwen2.5:7b"], ModelNames.Ambiguity("qwen2.5", available));
    }

    [Fact]
    public void Ambiguity_is_empty_for_a_match_or_an_unknown_name()
    {
        string[] available = ["qwen2.5:0.5b", "qwen2.5:7b", "qwen2.5:latest", "phi3:mini", "phi3:medium"];

        Assert.Empty(ModelNames.Ambiguity("qwen2.5", available));        // latest resolves it
        Assert.Empty(ModelNames.Ambiguity("qwen2.5:0.5b", available));   // exact
        Assert.Empty(ModelNames.Ambiguity("mistral", available));        // unknown, not ambiguous
        Assert.Empty(ModelNames.Ambiguity("phi3:large", available));     // a tag never means "one of these"
        Assert.Equal(["phi3:mini", "phi3:medium"], ModelNames.Ambiguity("phi3", available));
    }

    [Fact]
    public void A_tag_never_resolves_to_a_different_tag()
    {
        Assert.Null(ModelNames.Resolve("qwen2.5:7b", ["qwen2.5:0.5b"]));
        Assert.Null(ModelNames.Resolve("qwen2.5:7b", ["qwen2.5", "qwen2.5:latest"]));
    }

    [Fact]
    public void Latest_resolves_to_the_untagged_name()
    {
        Assert.Equal("tiny", ModelNames.Resolve("tiny:latest", ["tiny", "tiny-2"]));
        Assert.Equal("tiny", ModelNames.Resolve("tiny", ["tiny-2", "tiny"]));
    }

    [Fact]
    public void Embedded_file_names_follow_the_same_rules()
    {
        // Files qwen2.5-0.5b.gguf and qwen2.5:0.5b.gguf are served as their names without .gguf.
        string[] files = ["qwen2.5-0.5b", "qwen2.5:0.5b", "tiny"];

        Assert.Equal("qwen2.5:0.5b", ModelNames.Resolve("qwen2.5:0.5b", files));
        Assert.Equal("qwen2.5:0.5b", ModelNames.Resolve("qwen2.5", files)); // its only tag; the '-' file is another name
        Assert.Equal("qwen2.5-0.5b", ModelNames.Resolve("qwen2.5-0.5b:latest", files));
        Assert.Null(ModelNames.Resolve("qwen2.5-0.5b:q4", files));
        Assert.Equal("tiny", ModelNames.Resolve("tiny:latest", files));
    }

    [Fact]
    public void Nothing_resolves_from_nothing()
    {
        Assert.Null(ModelNames.Resolve("tiny", []));
        Assert.Empty(ModelNames.Ambiguity("tiny", []));
    }
}
