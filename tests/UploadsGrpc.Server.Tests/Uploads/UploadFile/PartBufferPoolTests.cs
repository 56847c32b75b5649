using UploadsGrpc.Server.Uploads.UploadFile;

namespace UploadsGrpc.Server.Tests.Uploads.UploadFile;

/// <summary>The part buffer pool: arrays of the exact size asked for, kept up to a bound in bytes.</summary>
public sealed class PartBufferPoolTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    [InlineData(1_048_577)]
    public void An_empty_pool_rents_a_new_array_of_exactly_the_size_asked_for(int size)
    {
        var pool = new PartBufferPool(retainBytes: 10L * 1024 * 1024);

        var first = pool.Rent(size);
        var second = pool.Rent(size);

        Assert.Equal(size, first.Length);
        Assert.Equal(size, second.Length);
        Assert.NotSame(first, second);
    }

    [Fact]
    public void A_returned_array_is_rented_again_for_the_same_size()
    {
        var pool = new PartBufferPool(retainBytes: 4000);
        var buffer = pool.Rent(1000);

        pool.Return(buffer);

        Assert.Same(buffer, pool.Rent(1000));
        Assert.NotSame(buffer, pool.Rent(1000));
    }

    [Fact]
    public void A_returned_array_is_not_rented_for_another_size()
    {
        var pool = new PartBufferPool(retainBytes: 4000);
        var buffer = pool.Rent(1000);
        pool.Return(buffer);

        var smaller = pool.Rent(500);
        var larger = pool.Rent(1024);

        Assert.Equal(500, smaller.Length);
        Assert.Equal(1024, larger.Length);
        Assert.Same(buffer, pool.Rent(1000));
    }

    [Fact]
    public void Arrays_are_kept_up_to_the_bound_in_bytes_and_one_beyond_it_is_dropped()
    {
        var pool = new PartBufferPool(retainBytes: 2500);
        byte[][] given = [pool.Rent(1000), pool.Rent(1000), pool.Rent(1000)];

        foreach (var buffer in given)
        {
            pool.Return(buffer);
        }
        byte[][] again = [pool.Rent(1000), pool.Rent(1000), pool.Rent(1000)];

        // 1000 + 1000 fit in 2500; the third return would make 3000, so that array is dropped.
        Assert.Contains(again[0], given[..2], ReferenceEqualityComparer.Instance);
        Assert.Contains(again[1], given[..2], ReferenceEqualityComparer.Instance);
        Assert.NotSame(again[0], again[1]);
        Assert.DoesNotContain(again[2], given, ReferenceEqualityComparer.Instance);
    }

    [Fact]
    public void A_return_that_fills_the_bound_exactly_is_kept()
    {
        var pool = new PartBufferPool(retainBytes: 2000);
        var first = pool.Rent(1000);
        var second = pool.Rent(1000);

        pool.Return(first);
        pool.Return(second);

        byte[][] again = [pool.Rent(1000), pool.Rent(1000)];
        Assert.Equal([first, second], again.OrderBy(b => b == first ? 0 : 1), ReferenceEqualityComparer.Instance);
    }

    [Fact]
    public void Renting_frees_room_in_the_bound_for_the_next_return()
    {
        var pool = new PartBufferPool(retainBytes: 1000);
        var first = pool.Rent(1000);
        var second = pool.Rent(1000);
        pool.Return(first);
        pool.Return(second);

        Assert.Same(first, pool.Rent(1000));
        pool.Return(second);

        Assert.Same(second, pool.Rent(1000));
    }

    [Fact]
    public void The_bound_counts_arrays_of_every_size_together()
    {
        var pool = new PartBufferPool(retainBytes: 1500);
        var large = pool.Rent(1000);
        var small = pool.Rent(500);
        var tooMany = pool.Rent(100);

        pool.Return(large);
        pool.Return(small);
        pool.Return(tooMany);

        Assert.Same(large, pool.Rent(1000));
        Assert.Same(small, pool.Rent(500));
        Assert.NotSame(tooMany, pool.Rent(100));
    }

    [Fact]
    public void An_array_larger_than_the_whole_bound_is_never_kept()
    {
        var pool = new PartBufferPool(retainBytes: 999);
        var buffer = pool.Rent(1000);

        pool.Return(buffer);

        Assert.NotSame(buffer, pool.Rent(1000));
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
