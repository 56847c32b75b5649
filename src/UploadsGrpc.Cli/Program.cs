using System.CommandLine;
using System.Runtime.InteropServices;
using Google.Rpc;
using Grpc.Core;
using UploadsGrpc.Cli;
using UploadsGrpc.Cli.Commands;

var root = new RootCommand("uploadsgrpc: upload and manage OpenAI files through an UploadsGrpc server.")
{
    Connection.ServerOption,
    Connection.TokenOption,
    Connection.CaFileOption,
    Connection.ClientCertOption,
    Connection.ClientKeyOption,
    UploadCommands.Upload(),
    UploadCommands.Resume(),
    UploadCommands.Cancel(),
    UploadCommands.Complete(),
    FileCommands.Files(),
};

// Ctrl-C and SIGTERM cancel the command's token instead of killing the process, so an upload can still be
// cancelled upstream before the exit (System.CommandLine's own handling is off: it would exit after a timeout).
using var interrupt = new CancellationTokenSource();
void Interrupt(PosixSignalContext context)
{
    context.Cancel = true;
    interrupt.Cancel();
}
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    foreach (var error in parse.Errors)
    {
        Console.Error.WriteLine(error.Message);
    }
    Console.Error.WriteLine("See `uploadsgrpc --help`.");
    return ExitCodes.Usage;
}
try
{
    return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false }, interrupt.Token);
}
catch (RpcException ex) when (interrupt.IsCancellationRequested && ex.StatusCode == StatusCode.Cancelled)
{
    return ExitCodes.Interrupted;
}
catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
{
    return ExitCodes.Interrupted;
}
catch (UsageException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return ExitCodes.Usage;
}
catch (RpcException ex) when (IsTlsFailure(ex.Status.DebugException))
{
    // The server failed to prove who it is: retrying will not help, as with a refused credential.
    Console.Error.WriteLine($"error: {ex.StatusCode}: {ex.Status.Detail}");
    return ExitCodes.Unauthenticated;
}
catch (RpcException ex)
{
    var reason = ex.GetRpcStatus()?.GetDetail<ErrorInfo>() is { } info ? $" [{info.Domain} {info.Reason}]" : "";
    Console.Error.WriteLine($"error: {ex.StatusCode}: {ex.Status.Detail}{reason}");
    return ExitCodes.From(ex);
}
catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or System.Text.Json.JsonException)
{
    // Local trouble (a file that cannot be read or written, a damaged state file): a message, not a stack trace.
    Console.Error.WriteLine($"error: {ex.Message}");
    return ExitCodes.Failed;
}

static bool IsTlsFailure(Exception? failure)
{
    for (; failure is not null; failure = failure.InnerException)
    {
        if (failure is System.Security.Authentication.AuthenticationException)
        {
            return true;
        }
    }
    return false;
}
