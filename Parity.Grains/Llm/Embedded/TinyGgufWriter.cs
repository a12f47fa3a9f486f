using System.Text;

namespace Parity.Llm.Embedded;

/// <summary>
/// Writes a tiny llama-architecture GGUF model with seeded random weights (0.7 MiB, F32, 751-token SentencePiece
/// vocabulary, context 256, ChatML template). Its output is gibberish but every mechanism is real: tokenization,
/// prefill, sampling, token counts, chat templates. Used by the tests, the benchmarks and <c>models create-demo</c>
/// (a model to try the API with offline, which must say that it produces noise). Same seed, same bytes.
/// </summary>
public static class TinyGgufWriter
{
    private const int VocabSize = 751;
    private const int ContextLength = 256;
    private const int Alignment = 32;

    private const string ChatTemplate =
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    // The word pieces are every prefix (2 characters or more) of "▁word" and of "word" for these words, in this order.
    // The order fixes the ids: it makes "Hello world, the model said" tokenize to
    // [1, 259, 299, 328, 745, 338, 719, 271, 356, 731, 530] (with BOS), as in docs/EMBEDDED_LLM.md.
    private const string Words =
        "the snow as an car fly form oh some soon two at ago far own walk few a see so sun heat foot what was seem end " +
        "eat too for box did them near where hour set or farm these try develop said one came air am top say cut four " +
        "fish any ask found need fall ten boy once hear ease hot down no ever follow but get they fast fine boat wheel " +
        "feel are final feet care done go who it able my back she then pull measure world had model each llama";

    private enum TokenType { Normal = 1, Unknown = 2, Control = 3, Byte = 6 }

    // The GGUF metadata value types written here, spelled from the format rather than taken from the runner's reader:
    // a mistake in one is then not copied into the other, and the benchmarks, which cannot see the runner's internals,
    // compile this file too.
    private enum GgufType : uint { UInt32 = 4, Int32 = 5, Float32 = 6, Bool = 7, String = 8, Array = 9 }

    /// <summary>The tests' model: 64-wide, 2 blocks (0.7 MiB).</summary>
    public static readonly TinyGgufShape Tiny = new(Embedding: 64, FeedForward: 128, Blocks: 2, Heads: 4);

    /// <summary>Writes the model to <paramref name="path"/> (overwriting it).</summary>
    /// <param name="withChatTemplate">false leaves out <c>tokenizer.chat_template</c>, for models without one.</param>
    /// <param name="shape">The layer sizes; <see cref="Tiny"/> when null. Larger shapes make generation slower, as a
    /// benchmark needs, with the same vocabulary and template.</param>
    /// <param name="modelName">general.name, which tools show as the model's name.</param>
    public static void Write(string path, int seed = 42, bool withChatTemplate = true, TinyGgufShape? shape = null,
        string modelName = "tiny-random-llama")
    {
        var (embedding, feedForward, blocks, heads) = shape ?? Tiny;
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        using var writer = new BinaryWriter(file, Encoding.UTF8);
        var (tokens, scores, types) = Vocabulary();
        var tensors = Tensors(shape ?? Tiny);

        writer.Write("GGUF"u8);
        writer.Write(3u);
        writer.Write((ulong)tensors.Count);
        writer.Write((ulong)(withChatTemplate ? 24 : 23));

        WriteKv(writer, "general.architecture", "llama");
        WriteKv(writer, "general.name", modelName);
        WriteKv(writer, "general.alignment", (uint)Alignment);
        WriteKv(writer, "general.file_type", 0u);
        WriteKv(writer, "llama.vocab_size", (uint)VocabSize);
        WriteKv(writer, "llama.context_length", (uint)ContextLength);
        WriteKv(writer, "llama.embedding_length", (uint)embedding);
        WriteKv(writer, "llama.block_count", (uint)blocks);
        WriteKv(writer, "llama.feed_forward_length", (uint)feedForward);
        WriteKv(writer, "llama.attention.head_count", (uint)heads);
        WriteKv(writer, "llama.attention.head_count_kv", (uint)heads);
        WriteKv(writer, "llama.rope.dimension_count", (uint)(embedding / heads));
        WriteKv(writer, "llama.rope.freq_base", 10000f);
        WriteKv(writer, "llama.attention.layer_norm_rms_epsilon", 1e-5f);
        WriteKv(writer, "tokenizer.ggml.model", "llama");

        WriteKey(writer, "tokenizer.ggml.tokens", GgufType.Array);
        writer.Write((uint)GgufType.String);
        writer.Write((ulong)tokens.Count);
        foreach (var token in tokens) WriteString(writer, token);
        WriteKey(writer, "tokenizer.ggml.scores", GgufType.Array);
        writer.Write((uint)GgufType.Float32);
        writer.Write((ulong)scores.Count);
        foreach (var score in scores) writer.Write(score);
        WriteKey(writer, "tokenizer.ggml.token_type", GgufType.Array);
        writer.Write((uint)GgufType.Int32);
        writer.Write((ulong)types.Count);
        foreach (var type in types) writer.Write((int)type);

        WriteKv(writer, "tokenizer.ggml.unknown_token_id", 0u);
        WriteKv(writer, "tokenizer.ggml.bos_token_id", 1u);
        WriteKv(writer, "tokenizer.ggml.eos_token_id", 2u);
        WriteKv(writer, "tokenizer.ggml.add_bos_token", true);
        WriteKv(writer, "tokenizer.ggml.add_eos_token", false);
        if (withChatTemplate) WriteKv(writer, "tokenizer.chat_template", ChatTemplate);

        ulong offset = 0;
        foreach (var tensor in tensors)
        {
            WriteString(writer, tensor.Name);
            writer.Write((uint)tensor.Shape.Length);
            foreach (var dim in tensor.Shape) writer.Write((ulong)dim);
            writer.Write(0u); // GGML_TYPE_F32
            writer.Write(offset);
            offset += (ulong)Padded(tensor.Elements * sizeof(float));
        }
        Pad(writer);

        var random = new SplitMix64((ulong)seed);
        foreach (var tensor in tensors)
        {
            var values = new float[tensor.Elements];
            if (tensor.Scale == 0) Array.Fill(values, 1f); // norm weights
            else
                for (var i = 0; i < values.Length; i++)
                    values[i] = (float)(random.NextUniform() * tensor.Scale);
            if (tensor.Name == "output.weight")
                // Zero logits for every non-normal token: greedy decoding never emits EOS, control or byte tokens,
                // so the output is printable ASCII and always runs to max_tokens.
                for (var token = 0; token < VocabSize; token++)
                    if (types[token] != TokenType.Normal) Array.Clear(values, token * embedding, embedding);
            foreach (var value in values) writer.Write(value);
            Pad(writer);
        }
    }

    private static (List<string> Tokens, List<float> Scores, List<TokenType> Types) Vocabulary()
    {
        var tokens = new List<string> { "<unk>", "<s>", "</s>" };
        var scores = new List<float> { 0, 0, 0 };
        var types = new List<TokenType> { TokenType.Unknown, TokenType.Control, TokenType.Control };
        for (var b = 0; b < 256; b++)
        {
            tokens.Add($"<0x{b:X2}>");
            scores.Add(0);
            types.Add(TokenType.Byte);
        }
        tokens.Add("\u2581");
        for (var c = '!'; c <= '~'; c++) tokens.Add(c.ToString());
        for (var i = tokens.Count - scores.Count; i > 0; i--)
        {
            scores.Add(-1000);
            types.Add(TokenType.Normal);
        }

        var seen = new HashSet<string>(tokens);
        var rank = 0;
        foreach (var word in Words.Split(' '))
            foreach (var form in new[] { "\u2581" + word, word })
                for (var length = 2; length <= form.Length; length++)
                    if (seen.Add(form[..length]))
                    {
                        tokens.Add(form[..length]);
                        scores.Add(-++rank); // SentencePiece merges the best-scored pair first: earlier pieces win
                        types.Add(TokenType.Normal);
                    }

        foreach (var control in new[] { "<|im_start|>", "<|im_end|>" })
        {
            tokens.Add(control);
            scores.Add(0);
            types.Add(TokenType.Control);
        }
        if (tokens.Count != VocabSize) throw new InvalidOperationException($"vocabulary has {tokens.Count} tokens, not {VocabSize}");
        return (tokens, scores, types);
    }

    private sealed record Tensor(string Name, long[] Shape, double Scale)
    {
        public long Elements => Shape.Aggregate(1L, (a, b) => a * b);
    }

    // Shapes are ggml `ne` order, innermost first; Scale 0 marks a norm weight (all ones).
    private static List<Tensor> Tensors(TinyGgufShape shape)
    {
        var (embedding, feedForward, blocks, _) = shape;
        var projection = 1 / Math.Sqrt(embedding);
        var down = 1 / Math.Sqrt(feedForward);
        var kv = embedding; // as many key/value heads as heads
        var list = new List<Tensor> { new("token_embd.weight", [embedding, VocabSize], 1) };
        for (var block = 0; block < blocks; block++)
        {
            var p = $"blk.{block}.";
            list.Add(new(p + "attn_norm.weight", [embedding], 0));
            list.Add(new(p + "attn_q.weight", [embedding, embedding], projection));
            list.Add(new(p + "attn_k.weight", [embedding, kv], projection));
            list.Add(new(p + "attn_v.weight", [embedding, kv], projection));
            list.Add(new(p + "attn_output.weight", [embedding, embedding], projection));
            list.Add(new(p + "ffn_norm.weight", [embedding], 0));
            list.Add(new(p + "ffn_gate.weight", [embedding, feedForward], projection));
            list.Add(new(p + "ffn_up.weight", [embedding, feedForward], projection));
            list.Add(new(p + "ffn_down.weight", [feedForward, embedding], down));
        }
        list.Add(new("output_norm.weight", [embedding], 0));
        list.Add(new("output.weight", [embedding, VocabSize], 1));
        return list;
    }

    private static long Padded(long size) => (size + Alignment - 1) / Alignment * Alignment;

    private static void Pad(BinaryWriter writer)
    {
        writer.Flush();
        var position = writer.BaseStream.Position;
        for (var i = position; i < Padded(position); i++) writer.Write((byte)0);
    }

    private static void WriteString(BinaryWriter writer, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        writer.Write((ulong)bytes.Length);
        writer.Write(bytes);
    }

    private static void WriteKey(BinaryWriter writer, string key, GgufType type)
    {
        WriteString(writer, key);
        writer.Write((uint)type);
    }

    private static void WriteKv(BinaryWriter writer, string key, string value)
    {
        WriteKey(writer, key, GgufType.String);
        WriteString(writer, value);
    }

    private static void WriteKv(BinaryWriter writer, string key, uint value)
    {
        WriteKey(writer, key, GgufType.UInt32);
        writer.Write(value);
    }

    private static void WriteKv(BinaryWriter writer, string key, float value)
    {
        WriteKey(writer, key, GgufType.Float32);
        writer.Write(value);
    }

    private static void WriteKv(BinaryWriter writer, string key, bool value)
    {
        WriteKey(writer, key, GgufType.Bool);
        writer.Write(value);
    }

    private struct SplitMix64(ulong state)
    {
        public ulong Next()
        {
            var z = state += 0x9E3779B97F4A7C15;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            return z ^ (z >> 31);
        }

        /// <summary>Uniform in [-1, 1) with 24 random bits, exact in float.</summary>
        public double NextUniform() => (Next() >> 40) / (double)(1 << 23) - 1;
    }
}
