using Parity.Llm.Embedded;

namespace Parity.Tests.Llm;

public sealed class StopSequenceFilterTests
{
    private static (List<string> Released, StopSequenceFilter Filter) Feed(string[] stops, params string[] pieces)
    {
        var filter = new StopSequenceFilter(stops);
        var released = new List<string>();
        foreach (var piece in pieces)
        {
            released.Add(filter.Append(piece));
            if (filter.Stopped) break;
        }
        if (!filter.Stopped) released.Add(filter.Flush());
        return (released, filter);
    }

    [Fact]
    public void Without_stops_everything_passes_at_once()
    {
        var (released, filter) = Feed([], " a", "bc", " d");

        Assert.Equal([" a", "bc", " d", ""], released);
        Assert.False(filter.Stopped);
        Assert.Equal(" abc d", filter.Text);
    }

    [Fact]
    public void Cuts_before_a_stop_inside_one_piece()
    {
        var (released, filter) = Feed(["END"], "one", " twoENDthree");

        Assert.Equal(["one", " two"], released);
        Assert.True(filter.Stopped);
        Assert.Equal("one two", filter.Text);
    }

    [Fact]
    public void Holds_back_a_possible_stop_across_pieces_and_never_releases_it()
    {
        var (released, filter) = Feed(["\nUser:"], "Hi", "\n", "Us", "er", ":", " more");

        Assert.Equal(["Hi", "", "", "", ""], released);
        Assert.True(filter.Stopped);
        Assert.Equal("Hi", filter.Text);
    }

    [Fact]
    public void Releases_held_text_once_it_cannot_be_a_stop()
    {
        var (released, filter) = Feed(["abc"], "xa", "b", "d", "ab");

        Assert.Equal(["x", "", "abd", "", "ab"], released); // the final "ab" comes out at the flush
        Assert.False(filter.Stopped);
        Assert.Equal("xabdab", filter.Text);
    }

    [Fact]
    public void The_earliest_of_several_stops_wins()
    {
        var (_, filter) = Feed(["cd", "bcde", "x"], "abcdex");

        Assert.True(filter.Stopped);
        Assert.Equal("a", filter.Text);
    }

    [Fact]
    public void A_stop_right_at_the_start_gives_empty_text()
    {
        var (released, filter) = Feed(["<"], "<tag>");

        Assert.Equal([""], released);
        Assert.True(filter.Stopped);
        Assert.Equal("", filter.Text);
    }

    [Fact]
    public void A_stop_that_overlaps_held_text_is_found()
    {
        // "aab" with stop "ab": the first "a" is released only when the second shows it cannot start the stop.
        var (released, filter) = Feed(["ab"], "a", "a", "b");

        Assert.Equal(["", "a", ""], released);
        Assert.Equal("a", filter.Text);
        Assert.True(filter.Stopped);
    }

    [Fact]
    public void Empty_stop_strings_are_ignored()
    {
        var (released, filter) = Feed(["", "zz"], "abc");

        Assert.Equal(["abc", ""], released);
        Assert.False(filter.Stopped);
    }
}
