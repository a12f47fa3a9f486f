using Parity.Storage;

namespace Parity.Tests.Storage;

public class CarTests
{
    private static async Task<(Cid Root, MemoryBlockstore Store, byte[] Bytes)> Imported()
    {
        var bytes = SeededStream.Bytes(5 * 262_144 + 99, 11);
        var store = new MemoryBlockstore();
        var result = await UnixFsImporter.ImportAsync(new MemoryStream(bytes), ImportProfile.Legacy, store);
        return (result.Root, store, bytes);
    }

    private static async Task<List<(Cid Cid, byte[] Block)>> ReadAll(byte[] car, int cap = 1 << 20, Action<CarHeader>? onHeader = null)
    {
        var list = new List<(Cid, byte[])>();
        await foreach (var section in CarReader.ReadAsync(new MemoryStream(car), cap, onHeader, default)) list.Add(section);
        return list;
    }

    [Fact]
    public async Task Written_car_reads_back_root_first_and_rebuilds_the_file()
    {
        var (root, store, bytes) = await Imported();
        var car = new MemoryStream();
        await CarWriter.WriteAsync(root, store, car, default);
        CarHeader? header = null;
        var blocks = await ReadAll(car.ToArray(), onHeader: h => header = h);
        Assert.Equal([root], header!.Roots);
        Assert.Equal(root, blocks[0].Cid);
        Assert.Equal(store.Count, blocks.Count);
        var copy = new MemoryBlockstore();
        foreach (var (cid, block) in blocks) await copy.PutAsync(cid, block, default);
        Assert.Equal(bytes, await UnixFsImporterTests.ReadAll(root, copy, 0, null));
    }

    private static async Task<byte[]> Car()
    {
        var (root, store, _) = await Imported();
        var car = new MemoryStream();
        await CarWriter.WriteAsync(root, store, car, default);
        return car.ToArray();
    }

    private static int HeaderEnd(byte[] car) => 1 + car[0]; // the header is under 128 bytes: a one-byte length

    [Fact]
    public async Task Bad_headers_are_refused()
    {
        var car = await Car();
        var version2 = new CarHeader([Cid.Of("x"u8, Multicodec.Raw, 1)]).Encode();
        version2[^1] = 0x02;
        Assert.Contains("CAR version 2", (await Assert.ThrowsAsync<CarFormatException>(() => ReadAll([(byte)version2.Length, .. version2]))).Message);
        Assert.Contains("not a valid dag-cbor header", (await Assert.ThrowsAsync<CarFormatException>(() => ReadAll([3, 0xff, 0xff, 0xff]))).Message);
        Assert.Contains("no header", (await Assert.ThrowsAsync<CarFormatException>(() => ReadAll([]))).Message);
        Assert.Contains("CAR header is cut off", (await Assert.ThrowsAsync<CarFormatException>(() => ReadAll(car[..10]))).Message);
    }

    [Fact]
    public async Task A_flipped_bit_in_a_block_is_refused()
    {
        var car = await Car();
        car[^1] ^= 1;
        Assert.Contains("do not hash to", (await Assert.ThrowsAsync<CarFormatException>(() => ReadAll(car))).Message);
    }

    [Fact]
    public async Task A_truncated_section_and_a_length_beyond_the_stream_are_refused()
    {
        var car = await Car();
        Assert.Contains("is cut off", (await Assert.ThrowsAsync<CarFormatException>(() => ReadAll(car[..^7]))).Message);
        byte[] lying = [.. car[..HeaderEnd(car)], 0xE8, 0x07, 1, 2, 3]; // says 1000 bytes, 3 follow
        Assert.Contains("stream ended after 3 of 1000", (await Assert.ThrowsAsync<CarFormatException>(() => ReadAll(lying))).Message);
        byte[] cutVarint = [.. car[..HeaderEnd(car)], 0xE8];
        Assert.Contains("length is cut off", (await Assert.ThrowsAsync<CarFormatException>(() => ReadAll(cutVarint))).Message);
    }

    [Fact]
    public async Task A_block_over_the_cap_is_refused_before_it_is_read()
    {
        var car = await Car();
        Assert.Contains("capped at 1000 bytes", (await Assert.ThrowsAsync<CarFormatException>(() => ReadAll(car, 1000))).Message);
        byte[] huge = [.. car[..HeaderEnd(car)], 0xFF, 0xFF, 0xFF, 0xFF, 0x0F];
        Assert.Contains("capped at", (await Assert.ThrowsAsync<CarFormatException>(() => ReadAll(huge))).Message);
    }
}
