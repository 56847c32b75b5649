using System.Buffers;

namespace UploadsGrpc.Server.Limits;

/// <summary>One array of a <see cref="Spool"/> in the sequence it hands on.</summary>
internal sealed class SpoolSegment : ReadOnlySequenceSegment<byte>
{
    public SpoolSegment(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    public void SetNext(SpoolSegment next) => Next = next;
}
