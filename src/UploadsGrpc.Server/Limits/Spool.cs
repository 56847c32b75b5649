using System.Buffers;

namespace UploadsGrpc.Server.Limits;

/// <summary>One request frame copied out of Kestrel's buffers into <see cref="SegmentPool"/> arrays, as one sequence.</summary>
internal sealed class Spool(SegmentPool pool)
{
    private readonly List<byte[]> _arrays = [];
    private long _length;

    public long Length => _length;

    public void Append(ReadOnlySequence<byte> bytes)
    {
        foreach (var memory in bytes)
        {
            var span = memory.Span;
            while (!span.IsEmpty)
            {
                var offset = (int)(_length % SegmentPool.SegmentBytes);
                if (offset == 0)
                {
                    _arrays.Add(pool.Rent());
                }
                var take = Math.Min(span.Length, SegmentPool.SegmentBytes - offset);
                span[..take].CopyTo(_arrays[^1].AsSpan(offset));
                span = span[take..];
                _length += take;
            }
        }
    }

    /// <summary>The bytes appended, as one sequence over the arrays.</summary>
    public ReadOnlySequence<byte> ToSequence()
    {
        SpoolSegment? first = null;
        SpoolSegment? last = null;
        for (var i = 0; i < _arrays.Count; i++)
        {
            var length = (int)Math.Min(SegmentPool.SegmentBytes, _length - ((long)i * SegmentPool.SegmentBytes));
            var segment = new SpoolSegment(_arrays[i].AsMemory(0, length), (long)i * SegmentPool.SegmentBytes);
            last?.SetNext(segment);
            first ??= segment;
            last = segment;
        }
        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    /// <summary>Gives the arrays back to the pool; the sequence must not be read after.</summary>
    public void Release()
    {
        foreach (var array in _arrays)
        {
            pool.Return(array);
        }
        _arrays.Clear();
        _length = 0;
    }
}
