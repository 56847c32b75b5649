using UploadsGrpc.Server.Uploads.UploadFile;

namespace UploadsGrpc.Server.Tests.Uploads.UploadFile;

/// <summary>The part buffer pool: arrays in power-of-two size classes from 64 KiB, kept up to a bound in bytes, dropped on a trim.</summary>
public sealed class PartBufferPoolTests
{
    private const int KiB = 1024;
    private const int MiB = 1024 * KiB;

    [Theory]
    [InlineData(1, 64 * KiB)]
    [InlineData(64 * KiB, 64 * KiB)]
    [InlineData((64 * KiB) + 1, 128 * KiB)]
    [InlineData(MiB + 1, 2 * MiB)]
    [InlineData(37 * MiB, 64 * MiB)]
    [InlineData(64 * MiB, 64 * MiB)]
    public void A_length_takes_the_smallest_class_that_holds_it(int length, int expected)
    {
        var pool = new PartBufferPool(retainBytes: 0);

        Assert.Equal(expected, PartBufferPool.ClassOf(length));
        Assert.Equal(expected, pool.Rent(length).Length);
    }

    [Fact]
    public void A_returned_array_is_rented_again_for_any_length_of_its_class()
    {
        var pool = new PartBufferPool(retainBytes: 4 * MiB);
        var buffer = pool.Rent(MiB + 5);

        pool.Return(buffer);

        Assert.Same(buffer, pool.Rent((2 * MiB) - 3));
        Assert.NotSame(buffer, pool.Rent(MiB + 5));
    }

    [Fact]
    public void A_returned_array_is_not_rented_for_another_class()
    {
        var pool = new PartBufferPool(retainBytes: 4 * MiB);
        var buffer = pool.Rent(MiB);
        pool.Return(buffer);

        Assert.Equal(512 * KiB, pool.Rent(500 * KiB).Length);
        Assert.Equal(2 * MiB, pool.Rent(MiB + 1).Length);
        Assert.Same(buffer, pool.Rent(MiB));
    }

    [Fact]
    public void Arrays_are_kept_up_to_the_bound_in_bytes_and_one_beyond_it_is_dropped()
    {
        var pool = new PartBufferPool(retainBytes: (2 * MiB) + (MiB / 2));
        byte[][] given = [pool.Rent(MiB), pool.Rent(MiB), pool.Rent(MiB)];

        foreach (var buffer in given)
        {
            pool.Return(buffer);
        }
        byte[][] again = [pool.Rent(MiB), pool.Rent(MiB), pool.Rent(MiB)];

        Assert.Contains(again[0], given[..2], ReferenceEqualityComparer.Instance);
        Assert.Contains(again[1], given[..2], ReferenceEqualityComparer.Instance);
        Assert.DoesNotContain(again[2], given, ReferenceEqualityComparer.Instance);
    }

    [Fact]
    public void The_bound_counts_arrays_of_every_class_together()
    {
        var pool = new PartBufferPool(retainBytes: 3 * MiB);
        var large = pool.Rent(2 * MiB);
        var small = pool.Rent(MiB);
        var tooMany = pool.Rent(64 * KiB);

        pool.Return(large);
        pool.Return(small);
        pool.Return(tooMany);

        Assert.Equal(3 * MiB, pool.RetainedBytes);
        Assert.Same(large, pool.Rent(2 * MiB));
        Assert.Same(small, pool.Rent(MiB));
        Assert.NotSame(tooMany, pool.Rent(64 * KiB));
    }

    [Fact]
    public void A_trim_drops_everything_kept_and_says_how_much()
    {
        var pool = new PartBufferPool(retainBytes: 8 * MiB);
        var first = pool.Rent(MiB);
        var second = pool.Rent(4 * MiB);
        pool.Return(first);
        pool.Return(second);

        Assert.Equal(5 * MiB, pool.Trim());

        Assert.Equal(0, pool.RetainedBytes);
        Assert.NotSame(first, pool.Rent(MiB));
        Assert.NotSame(second, pool.Rent(4 * MiB));
    }

    [Fact]
    public void A_pool_with_a_bound_of_zero_keeps_nothing()
    {
        var pool = new PartBufferPool(retainBytes: 0);
        var buffer = pool.Rent(1);

        pool.Return(buffer);

        Assert.NotSame(buffer, pool.Rent(1));
    }
}
