using System.Runtime.InteropServices;
using UploadsGrpc.Server.Limits;

namespace UploadsGrpc.Server.Tests.Limits;

public sealed class NativeHeapTrimTests
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public void Memory_the_c_heap_freed_below_a_block_still_in_use_goes_back_to_the_os()
    {
        Assert.True(OperatingSystem.IsLinux(), "the server's image and CI run on Linux with glibc");
        // 64 MiB written in small blocks, then one block after them that stays in use: freeing the first ones leaves
        // resident free pages below a used one, which free() alone keeps.
        var page = new byte[4096];
        Array.Fill(page, (byte)1);
        var blocks = Enumerable.Range(0, 16_384).Select(_ => Marshal.AllocHGlobal(page.Length)).ToArray();
        foreach (var block in blocks)
        {
            Marshal.Copy(page, 0, block, page.Length);
        }
        var kept = Marshal.AllocHGlobal(page.Length);
        try
        {
            foreach (var block in blocks)
            {
                Marshal.FreeHGlobal(block);
            }
            var before = Environment.WorkingSet;

            Assert.True(new NativeHeapTrim().Trim());

            var returned = before - Environment.WorkingSet;
            Assert.True(returned > 32 * MiB, $"{returned / MiB} MiB returned of the 64 MiB freed");
        }
        finally
        {
            Marshal.FreeHGlobal(kept);
        }
    }
}
