using System.Collections.Concurrent;
using System.Text;
using Parity.Execution;
using Parity.Runners;
using Parity.Tasks;
using Parity.Tests.Support;

namespace Parity.Tests.Execution;

public sealed class LiveOutputFeedTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(new byte[] { 0x61, 0x62 }, 2)]
    [InlineData(new byte[] { 0x61, 0xC3 }, 1)] // é cut after its lead byte
    [InlineData(new byte[] { 0x61, 0xC3, 0xA9 }, 3)]
    [InlineData(new byte[] { 0xE2, 0x82 }, 0)] // € cut after two of three bytes
    [InlineData(new byte[] { 0x61, 0xF0, 0x9D, 0x84 }, 1)] // 𝄞 cut after three of four bytes
    [InlineData(new byte[] { 0xF0, 0x9D, 0x84, 0x9E }, 4)]
    [InlineData(new byte[] { 0x61, 0x80, 0x80, 0x80 }, 4)] // stray continuation bytes: invalid whatever follows
    [InlineData(new byte[] { 0x61, 0xFF }, 2)]
    [InlineData(new byte[] { }, 0)]
    public void A_piece_ends_before_a_character_that_runs_past_the_bytes(byte[] bytes, int whole) =>
        Assert.Equal(whole, LiveOutputFeed.WholeCharacters(bytes));

    [Fact]
    public async Task Bytes_appended_one_at_a_time_arrive_as_whole_characters_in_order_and_make_the_text()
    {
        const string text = "héllo € 𝄞 naïve 日本語 done";
        var (capture, ended, feed) = Feed(attempt: 3);
        var reading = feed.Read(0, CancellationToken.None).ToListAsync().AsTask();
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            capture.Append([b]);
            await Task.Delay(1);
        }
        await ended.CancelAsync();
        var pieces = await reading.WaitAsync(Limit);

        Assert.Equal(text, string.Concat(pieces.Select(p => p.Text)));
        Assert.All(pieces, p => Assert.Equal(3, p.Attempt));
        Assert.All(pieces, p => Assert.DoesNotContain('\uFFFD', p.Text));
        Assert.All(pieces, p => Assert.Equal(Encoding.UTF8.GetByteCount(p.Text), p.Next - p.Offset));
        Assert.Equal(0, pieces[0].Offset);
        for (var i = 1; i < pieces.Count; i++) Assert.Equal(pieces[i - 1].Next, pieces[i].Offset);
        Assert.True(pieces.Count > 1);
    }

    [Fact]
    public async Task A_reader_resuming_from_an_offset_gets_only_what_follows_it()
    {
        var (capture, ended, feed) = Feed(attempt: 1);
        capture.Append("one two three"u8);
        await ended.CancelAsync();

        var pieces = await feed.Read(4, CancellationToken.None).ToListAsync().AsTask().WaitAsync(Limit);

        Assert.Equal("two three", string.Concat(pieces.Select(p => p.Text)));
        Assert.Equal(4, pieces[0].Offset);
    }

    [Fact]
    public async Task A_character_cut_by_the_end_of_the_execution_reads_as_the_result_does()
    {
        var (capture, ended, feed) = Feed(attempt: 1);
        var reading = feed.Read(0, CancellationToken.None).ToListAsync().AsTask();
        capture.Append([0x61, 0xE2, 0x82]);
        await Task.Delay(50);
        await ended.CancelAsync();

        var pieces = await reading.WaitAsync(Limit);

        Assert.Equal(capture.Text(), string.Concat(pieces.Select(p => p.Text)));
    }

    [Fact]
    public async Task A_reader_that_cancels_ends_while_the_execution_runs()
    {
        var (capture, _, feed) = Feed(attempt: 1);
        capture.Append("partial"u8);
        using var cancel = new CancellationTokenSource();
        var pieces = new ConcurrentQueue<LiveOutputPiece>();
        var reading = Task.Run(async () =>
        {
            await foreach (var piece in feed.Read(0, cancel.Token)) pieces.Enqueue(piece);
        });
        await Eventually.True(() => pieces.Count == 1, Limit, "the first piece");
        await cancel.CancelAsync();

        await reading.WaitAsync(Limit);
        Assert.Equal("partial", Assert.Single(pieces).Text);
    }

    private static (OutputCapture Capture, CancellationTokenSource Ended, LiveOutputFeed Feed) Feed(int attempt)
    {
        var capture = new OutputCapture(1 << 20);
        var ended = new CancellationTokenSource();
        return (capture, ended, new LiveOutputFeed(capture, attempt, ended.Token));
    }
}
