namespace Parity.Storage;

/// <summary>The UnixFS node types (the DataType enum of unixfs.proto).</summary>
public enum UnixFsType
{
    Raw = 0,
    Directory = 1,
    File = 2,
    Metadata = 3,
    Symlink = 4,
    HamtShard = 5,
}
