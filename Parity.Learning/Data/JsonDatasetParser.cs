using System.Text.Json;

namespace Parity.Learning.Data;

/// <summary>
/// <c>{"features": [[f, …], …], "labels": [l, …]}</c>, read token by token from the stream so that the document is
/// never held in memory as a whole. Other properties are ignored. Labels are numbers or strings (strings become
/// classes, as in CSV). One token is at most <see cref="DatasetReader.MaxJsonTokenBytes"/> long and the nesting at most
/// <see cref="DatasetReader.MaxJsonDepth"/> deep: past either the document is refused naming the place and the limit.
/// </summary>
internal sealed class JsonDatasetParser
{
    private enum State { Start, Root, Skip, FeaturesStart, FeatureRows, FeatureRow, LabelsStart, Labels, End }

    private const int InitialBufferSize = 64 * 1024;

    private readonly FloatBuffer _features = new();
    private readonly LabelColumn _labels = new();
    private State _state = State.Start;
    private int _skipDepth;
    private string _skipped = "";
    private bool _sawFeatures;
    private bool _sawLabels;
    private long _rows;
    private int _columns = -1;
    private int _column;

    public static Dataset Parse(Stream stream)
    {
        var parser = new JsonDatasetParser();
        try
        {
            parser.ReadAll(stream);
        }
        catch (JsonException e)
        {
            long? line = e.LineNumber is { } zeroBased ? zeroBased + 1 : null;
            throw new DatasetException($"invalid JSON: {e.Message}", line, inner: e);
        }
        return parser.Build();
    }

    private void ReadAll(Stream stream)
    {
        var buffer = new byte[InitialBufferSize];
        var length = Fill(stream, buffer, 0, out var isFinal);
        var start = buffer.AsSpan(0, length).StartsWith("\uFEFF"u8) ? 3 : 0;
        // The reader allows one level more than the dataset does, so that Handle refuses it first, naming the place.
        var state = new JsonReaderState(new JsonReaderOptions { MaxDepth = DatasetReader.MaxJsonDepth + 1 });

        while (true)
        {
            var reader = new Utf8JsonReader(buffer.AsSpan(start, length - start), isFinal, state);
            while (reader.Read()) Handle(ref reader);
            if (isFinal) break;

            // The reader stopped inside a token: keep the unread bytes, make room (growing only for a token
            // larger than the buffer, and refusing one past the longest allowed) and read on.
            state = reader.CurrentState;
            var consumed = start + (int)reader.BytesConsumed;
            var remaining = length - consumed;
            if (consumed == 0)
            {
                CheckPending(buffer.AsSpan(0, remaining));
                // Both parts within their limits fit in twice the limit: the buffer never grows past that.
                Array.Resize(ref buffer, Math.Min(buffer.Length * 2, 2 * DatasetReader.MaxJsonTokenBytes + InitialBufferSize));
            }
            else buffer.AsSpan(consumed, remaining).CopyTo(buffer);
            length = Fill(stream, buffer, remaining, out isFinal);
            start = 0;
        }

        if (_state != State.End) throw new DatasetException("invalid JSON: the document ends before its closing '}'");
    }

    /// <summary>
    /// The bytes the reader could not finish a token in fill the buffer: the white space and separator before the
    /// token, then its start. Refuses either part once it is past <see cref="DatasetReader.MaxJsonTokenBytes"/>.
    /// </summary>
    private void CheckPending(ReadOnlySpan<byte> pending)
    {
        var blank = 0;
        while (blank < pending.Length && pending[blank] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)',' or (byte)':')
            blank++;
        var limit = DatasetReader.MaxJsonTokenBytes;
        // A string's opening quote is not part of its value.
        if (pending.Length - blank > limit + 1) throw TokenTooLong();
        if (blank > limit)
            throw new DatasetException($"{Place()}: more than {limit} bytes of white space between two JSON tokens");
    }

    private DatasetException TokenTooLong() => new(
        $"{Place()}: a JSON token is longer than {DatasetReader.MaxJsonTokenBytes} bytes, the most one number, string or " +
        "property name may have");

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; returns the filled length.</summary>
    private static int Fill(Stream stream, byte[] buffer, int length, out bool isFinal)
    {
        isFinal = false;
        while (length < buffer.Length)
        {
            var read = stream.Read(buffer, length, buffer.Length - length);
            if (read == 0)
            {
                isFinal = true;
                break;
            }
            length += read;
        }
        return length;
    }

    private void Handle(ref Utf8JsonReader reader)
    {
        var token = reader.TokenType;
        // A token that arrived whole in the buffer (which may have grown past the limit for the one before it).
        if (reader.ValueSpan.Length > DatasetReader.MaxJsonTokenBytes) throw TokenTooLong();
        // CurrentDepth counts from 0 at the top-level object.
        if (token is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth >= DatasetReader.MaxJsonDepth)
            throw new DatasetException(
                $"{Place()}: JSON nested deeper than {DatasetReader.MaxJsonDepth} levels, the most a JSON dataset may have");
        switch (_state)
        {
            case State.Start:
                if (token != JsonTokenType.StartObject)
                    throw new DatasetException("a JSON dataset must be an object: {\"features\": [[...]], \"labels\": [...]}");
                _state = State.Root;
                break;

            case State.Root:
                if (token == JsonTokenType.EndObject)
                {
                    _state = State.End;
                }
                else if (reader.ValueTextEquals("features"u8))
                {
                    if (_sawFeatures) throw new DatasetException("JSON dataset has more than one \"features\" property");
                    _sawFeatures = true;
                    _state = State.FeaturesStart;
                }
                else if (reader.ValueTextEquals("labels"u8))
                {
                    if (_sawLabels) throw new DatasetException("JSON dataset has more than one \"labels\" property");
                    _sawLabels = true;
                    _state = State.LabelsStart;
                }
                else
                {
                    _skipDepth = 0;
                    _skipped = NumberText.Quote(reader.GetString());
                    _state = State.Skip;
                }
                break;

            case State.Skip:
                if (token is JsonTokenType.StartObject or JsonTokenType.StartArray) _skipDepth++;
                else if (token is JsonTokenType.EndObject or JsonTokenType.EndArray) _skipDepth--;
                if (_skipDepth == 0) _state = State.Root;
                break;

            case State.FeaturesStart:
                if (token != JsonTokenType.StartArray)
                    throw new DatasetException($"\"features\" must be an array of rows, got {Describe(token)}");
                _state = State.FeatureRows;
                break;

            case State.FeatureRows:
                if (token == JsonTokenType.EndArray)
                {
                    _state = State.Root;
                }
                else if (token == JsonTokenType.StartArray)
                {
                    _column = 0;
                    _state = State.FeatureRow;
                }
                else
                {
                    throw new DatasetException($"features[{_rows}] must be an array of numbers, got {Describe(token)}");
                }
                break;

            case State.FeatureRow:
                if (token == JsonTokenType.EndArray) EndFeatureRow();
                else AddFeature(ref reader);
                break;

            case State.LabelsStart:
                if (token != JsonTokenType.StartArray)
                    throw new DatasetException($"\"labels\" must be an array, got {Describe(token)}");
                _state = State.Labels;
                break;

            case State.Labels:
                if (token == JsonTokenType.EndArray) _state = State.Root;
                else AddLabel(ref reader);
                break;
        }
    }

    private void AddFeature(ref Utf8JsonReader reader)
    {
        var value = 0f;
        var problem = reader.TokenType switch
        {
            JsonTokenType.Number => NumberText.Problem(reader.ValueSpan, out value),
            JsonTokenType.String => $"{NumberText.Quote(reader.GetString())} is not a number",
            _ => $"expected a number, got {Describe(reader.TokenType)}",
        };
        if (problem is not null) throw new DatasetException($"features[{_rows}][{_column}]: {problem}");
        _features.Add(value);
        _column++;
    }

    private void EndFeatureRow()
    {
        if (_columns < 0)
        {
            if (_column == 0)
                throw new DatasetException("features[0] is empty: a dataset needs at least one feature column besides the label");
            _columns = _column;
        }
        else if (_column != _columns)
        {
            throw new DatasetException($"features[{_rows}] has {_column} values, expected {_columns}");
        }
        _rows++;
        _state = State.FeatureRows;
    }

    private void AddLabel(ref Utf8JsonReader reader)
    {
        var problem = reader.TokenType switch
        {
            JsonTokenType.Number => _labels.AddNumber(reader.ValueSpan),
            JsonTokenType.String => _labels.AddText(reader.GetString()),
            _ => $"expected a number or a string, got {Describe(reader.TokenType)}",
        };
        if (problem is not null) throw new DatasetException($"labels[{_labels.Count}]: {problem}");
    }

    private Dataset Build()
    {
        if (!_sawFeatures) throw new DatasetException("JSON dataset has no \"features\" array");
        if (!_sawLabels) throw new DatasetException("JSON dataset has no \"labels\" array");
        if (_rows == 0) throw new DatasetException("dataset has no rows");
        if (_rows != _labels.Count)
            throw new DatasetException(
                $"mismatched features and labels length: {_rows} feature rows, {_labels.Count} labels");
        return new Dataset(_features.ToArray(), (int)_rows, _columns, _labels.ToArray(), classNames: _labels.ClassNames);
    }

    /// <summary>Where the reader is, for an error about the token at hand: <c>features[3][1]</c>, <c>labels[7]</c>,
    /// <c>property 'meta'</c>.</summary>
    private string Place() => _state switch
    {
        State.Start => "the document",
        State.Root => "the top-level object",
        State.Skip => $"property {_skipped}",
        State.FeaturesStart => "\"features\"",
        State.FeatureRows => $"features[{_rows}]",
        State.FeatureRow => $"features[{_rows}][{_column}]",
        State.LabelsStart => "\"labels\"",
        State.Labels => $"labels[{_labels.Count}]",
        _ => "after the document",
    };

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.Number => "a number",
        JsonTokenType.String => "a string",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.StartObject => "an object",
        _ => token.ToString(),
    };
}
