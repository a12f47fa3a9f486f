namespace Parity.Tests.Docs;

/// <summary>The README example reader on small hand-written READMEs.</summary>
public class ReadmeParserTests
{
    [Fact]
    public void Continuations_quotes_and_status_comments_make_commands()
    {
        var readme = """
            text
            ```
            curl -s -XPOST a -d '{
              "x": 1}'
            # 201 with the thing
            FOO=1 \
              bar --flag   # a trailing comment's 'quote' does not open a string
            curl b
            # 400, the detail naming the field: "batch_size is required"
            ```
            """;
        var example = Assert.Single(ReadmeParser.Parse(readme));
        Assert.Equal(ReadmeExampleKind.Run, example.Kind);
        Assert.Equal(2, example.Line);
        Assert.Collection(example.Commands,
            c => Assert.Equal((3, "curl -s -XPOST a -d '{\n  \"x\": 1}'", (int?)201), (c.Line, c.Text, c.ExpectedStatus)),
            c => Assert.Equal((6, (int?)null), (c.Line, c.ExpectedStatus)),
            c => Assert.Equal(("curl b", (int?)400, "batch_size is required"), (c.Text, c.ExpectedStatus, c.ExpectedText)));
    }

    [Fact]
    public void Markers_choose_skip_file_and_background_and_other_languages_are_not_run()
    {
        var readme = """
            <!-- readme-test: skip it is the test command -->
            ```
            ./deploy/test.sh
            ```
            <!-- readme-test: file task.json -->
            ```json
            {"a": 1}
            ```
            <!-- readme-test: background http://127.0.0.1:5080/health -->
            ```
            deploy/run.sh
            ```
            ```text
            a layout
            ```
            <!-- readme-test: wait-for http://127.0.0.1:5080/api/v1/llm/models demo -->
            ```
            curl x
            ```
            """;
        var examples = ReadmeParser.Parse(readme);
        Assert.Equal([ReadmeExampleKind.Skip, ReadmeExampleKind.File, ReadmeExampleKind.Background, ReadmeExampleKind.WaitFor,
            ReadmeExampleKind.Run], examples.Select(e => e.Kind));
        Assert.Equal("http://127.0.0.1:5080/api/v1/llm/models demo", examples[3].Argument);
        Assert.Equal("it is the test command", examples[0].Argument);
        Assert.Equal(("task.json", "{\"a\": 1}\n"), (examples[1].FileName, examples[1].Content));
        Assert.Equal("http://127.0.0.1:5080/health", examples[2].Argument);
    }

    [Theory]
    [InlineData("```\necho 'open\n```\n", "never finished")]
    [InlineData("```\necho\n", "never closed")]
    [InlineData("<!-- readme-test: skip -->\n```\necho\n```\n", "needs a reason")]
    public void A_broken_readme_is_an_error_naming_the_line(string readme, string expected)
    {
        Assert.Contains(expected, Assert.Throws<FormatException>(() => ReadmeParser.Parse(readme)).Message);
    }

    [Fact]
    public void Placeholders_are_filled_with_what_earlier_commands_printed()
    {
        var ports = new Dictionary<int, int> { [5080] = 6000, [6379] = 7000, [11111] = 8000 };
        Assert.Equal("curl -s 127.0.0.1:6000/api/v1/tasks/t-1/result",
            ReadmePlaceholders.Fill("curl -s 127.0.0.1:5080/api/v1/tasks/<id>/result", ports, "t-1", null));
        Assert.Equal("curl 127.0.0.1:6000/x/s-9/stream", ReadmePlaceholders.Fill("curl localhost:5080/x/ID/stream", ports, "s-9", null));
        Assert.Equal("ORLEANS_REDIS=127.0.0.1:7000 SILO_PORT=8000 redis.sh --port 7000 x:50800",
            ReadmePlaceholders.Fill("ORLEANS_REDIS=127.0.0.1:6379 SILO_PORT=11111 redis.sh --port 6379 x:50800", ports, null, null));
        Assert.Equal("parity-runner storage get QmX -o copy.csv", ReadmePlaceholders.Fill("parity-runner storage get <cid> -o copy.csv", ports, null, "QmX"));
        Assert.Equal("parity-runner fl status s-9 --watch", ReadmePlaceholders.Fill("parity-runner fl status ID --watch", ports, "s-9", null));
        Assert.Equal("echo IDLE 2>&1 -H 'X-Client-ID: a'", ReadmePlaceholders.Fill("echo IDLE 2>&1 -H 'X-Client-ID: a'", ports, null, null));
        Assert.Contains("<its IP>", Assert.Throws<InvalidOperationException>(() => ReadmePlaceholders.Fill("x --ip <its IP>", ports, null, null)).Message);
        Assert.Contains("no command before it printed one",
            Assert.Throws<InvalidOperationException>(() => ReadmePlaceholders.Fill("curl a/<id>", ports, null, null)).Message);
    }

    [Fact]
    public void Ids_and_cids_are_read_from_what_a_command_printed()
    {
        Assert.Equal("abc", ReadmePlaceholders.IdIn("""{"id":"abc","status":"queued"}"""));
        Assert.Null(ReadmePlaceholders.IdIn("plain text"));
        Assert.Equal("QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR",
            ReadmePlaceholders.CidIn("added QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR (4 KiB)"));
        Assert.Equal("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy",
            ReadmePlaceholders.CidIn("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy\n"));
    }
}
