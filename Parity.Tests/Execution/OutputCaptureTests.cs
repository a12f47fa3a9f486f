using System.Text;
using Parity.Execution;

namespace Parity.Tests.Execution;

/// <summary>
/// A task's stdout or stderr as the runner keeps it: at most its cap, the rest counted and marked, and live readers woken
/// only when bytes they have not seen arrive.
/// </summary>
public sealed class OutputCaptureTests
{
    [Fact]
    public void Output_within_the_cap_is_kept_whole_and_not_marked()
    {
        var capture = new OutputCapture(8);
        capture.Append("abc"u8);
        capture.Append("defgh"u8);
        Assert.False(capture.Truncated);
        Assert.Equal(0, capture.DiscardedBytes);
        Assert.Equal(8, capture.Length);
        Assert.Equal("abcdefgh", capture.Text());
    }

    [Fact]
    public void Output_past_the_cap_is_cut_counted_and_marked()
    {
        var capture = new OutputCapture(4);
        capture.Append("abcdef"u8);
        capture.Append("gh"u8);
        Assert.True(capture.Truncated);
        Assert.Equal(4, capture.DiscardedBytes);
        Assert.Equal(4, capture.Length);
        Assert.Equal("abcd" + string.Format(OutputCapture.TruncationMarker, 4), capture.Text());
    }

    [Fact]
    public void Reads_copy_from_an_offset_and_stop_at_what_is_kept()
    {
        var capture = new OutputCapture(16);
        capture.Append("hello world"u8);
        var buffer = new byte[5];
        Assert.Equal(5, capture.Read(6, buffer));
        Assert.Equal("world", Encoding.UTF8.GetString(buffer));
        Assert.Equal(1, capture.Read(10, buffer));
        Assert.Equal((byte)'d', buffer[0]);
        Assert.Equal(0, capture.Read(11, buffer));
        Assert.Equal(0, capture.Read(50, buffer));
    }

    [Fact]
    public async Task A_live_reader_wakes_for_new_bytes_only()
    {
        var capture = new OutputCapture(4);
        capture.Append("ab"u8);
        Assert.True(capture.WhenLongerThan(1).IsCompleted);

        var waiting = capture.WhenLongerThan(2);
        var alsoWaiting = capture.WhenLongerThan(2);
        Assert.Same(waiting, alsoWaiting);
        // Nothing kept: an empty append, and bytes past the cap, wake nobody.
        capture.Append(""u8);
        Assert.False(waiting.IsCompleted);
        capture.Append("cd"u8);
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));

        var afterCap = capture.WhenLongerThan(4);
        capture.Append("ef"u8);
        Assert.False(afterCap.IsCompleted);
        Assert.Equal(2, capture.DiscardedBytes);
    }
}
