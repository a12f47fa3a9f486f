using System.Text;
using Parity.Llm.Embedded;

namespace Parity.Tests.Llm;

public sealed class GgufHeaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("parity-gguf-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    [Fact]
    public void The_tiny_model_has_the_documented_size_and_header()
    {
        var path = PathOf("tiny.gguf");
        TinyGgufWriter.Write(path);

        var header = GgufHeader.Read(path);

        Assert.Equal(731_456, new FileInfo(path).Length);
        Assert.Equal(3u, header.Version);
        Assert.Equal("llama", header.Architecture);
        Assert.Equal(256, header.ContextLength);
        Assert.Equal(0u, header.FileType);
        Assert.Equal("F32", header.Quantization);
        Assert.Equal(21, header.TensorCount);
    }

    [Fact]
    public void The_writer_is_deterministic_per_seed()
    {
        TinyGgufWriter.Write(PathOf("a.gguf"), seed: 7);
        TinyGgufWriter.Write(PathOf("b.gguf"), seed: 7);
        TinyGgufWriter.Write(PathOf("c.gguf"), seed: 8);

        var a = File.ReadAllBytes(PathOf("a.gguf"));
        Assert.Equal(a, File.ReadAllBytes(PathOf("b.gguf")));
        var c = File.ReadAllBytes(PathOf("c.gguf"));
        Assert.Equal(a.Length, c.Length);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Leaving_out_the_chat_template_still_makes_a_valid_header()
    {
        TinyGgufWriter.Write(PathOf("chat.gguf"));
        TinyGgufWriter.Write(PathOf("plain.gguf"), withChatTemplate: false);

        Assert.Equal(256, GgufHeader.Read(PathOf("plain.gguf")).ContextLength);
        Assert.Contains("tokenizer.chat_template", Encoding.Latin1.GetString(File.ReadAllBytes(PathOf("chat.gguf"))));
        Assert.DoesNotContain("chat_template", Encoding.Latin1.GetString(File.ReadAllBytes(PathOf("plain.gguf"))));
    }

    [Fact]
    public void Random_bytes_are_not_a_gguf_file()
    {
        var path = PathOf("random.gguf");
        File.WriteAllBytes(path, RandomBytes(4096));

        var error = Assert.Throws<InvalidDataException>(() => GgufHeader.Read(path));
        Assert.Contains("not a GGUF file", error.Message);
    }

    [Fact]
    public void Version_1_is_rejected()
    {
        var path = PathOf("v1.gguf");
        File.WriteAllBytes(path, [.. "GGUF"u8, 1, 0, 0, 0, .. new byte[32]]);

        var error = Assert.Throws<InvalidDataException>(() => GgufHeader.Read(path));
        Assert.Contains("version 1", error.Message);
    }

    [Fact]
    public void A_header_cut_short_is_reported_not_overrun()
    {
        var path = PathOf("tiny.gguf");
        TinyGgufWriter.Write(path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(PathOf("cut.gguf"), bytes[..5000]); // inside the vocabulary

        Assert.Throws<InvalidDataException>(() => GgufHeader.Read(PathOf("cut.gguf")));
    }

    [Fact]
    public void An_absurd_count_is_reported_without_allocating_it()
    {
        var path = PathOf("huge.gguf");
        // magic, version 3, tensor count 0, kv count 2^60
        File.WriteAllBytes(path, [.. "GGUF"u8, 3, 0, 0, 0, .. new byte[8], .. BitConverter.GetBytes(1UL << 60), .. new byte[64]]);

        var error = Assert.Throws<InvalidDataException>(() => GgufHeader.Read(path));
        Assert.Contains("does not fit", error.Message);
    }

    [Theory]
    [InlineData(0u, "F32")]
    [InlineData(1u, "F16")]
    [InlineData(7u, "Q8_0")]
    [InlineData(15u, "Q4_K_M")]
    [InlineData(32u, "BF16")]
    [InlineData(999u, "file type 999")]
    public void Names_file_types_as_llama_cpp_does(uint fileType, string name) =>
        Assert.Equal(name, GgufHeader.FileTypeName(fileType));

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        new Random(3).NextBytes(bytes);
        return bytes;
    }
}
