namespace UploadsGrpc.FunctionalTests.Infrastructure;

/// <summary>
/// Where another project of the solution was built, in the configuration of these tests: its programs run from
/// their own output, with their own dependencies, as a user runs them.
/// </summary>
public static class BuildOutput
{
    public static string Of(string project)
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = here.Parent!.Name;
        var root = here;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "UploadsGrpc.sln")))
        {
            root = root.Parent;
        }
        if (root is null)
        {
            throw new InvalidOperationException($"No UploadsGrpc.sln above {AppContext.BaseDirectory}.");
        }
        var directory = Path.Combine(root.FullName, "src", project, "bin", configuration, "net10.0");
        return File.Exists(Path.Combine(directory, project + ".dll"))
            ? directory
            : throw new InvalidOperationException($"{project} is not built in {directory}: build the solution first.");
    }
}
