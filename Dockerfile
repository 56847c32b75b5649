# The gRPC server as a Native AOT binary on runtime-deps (the last stage, so the default target), and the
# standalone REST emulator as `--target emulator`. Both run as the images' non-root user (uid 1654) and
# listen on 0.0.0.0:8080 (ASPNETCORE_HTTP_PORTS, set by the base image); the server also serves Prometheus's
# scrape on its admin port, 0.0.0.0:9464, and logs JSON lines.
#   docker build -t uploadsgrpc .
#   docker build --target emulator -t uploadsgrpc-emulator .

# Sources and restore, shared by both publishes. The restore is its own layer, above the sources, so a code
# change does not download the packages again. No BuildKit-only syntax (cache mounts): Debian's docker-compose
# 1.29, which deploy/compose uses, builds with the classic builder.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
# Native AOT links with the platform's clang; Microsoft's SDK image does not carry it.
RUN apt-get update \
    && apt-get install -y --no-install-recommends clang zlib1g-dev \
    && rm -rf /var/lib/apt/lists/*
# The runtime identifier of the machine that builds: BuildKit's TARGETARCH when set, else the image's own
# architecture (the classic builder sets no TARGETARCH).
ARG TARGETARCH
RUN case "${TARGETARCH:-$(dpkg --print-architecture)}" in arm64) echo linux-arm64 ;; *) echo linux-x64 ;; esac > /rid
WORKDIR /src
COPY .editorconfig Directory.Build.props Directory.Packages.props global.json ./
COPY protos/ protos/
COPY src/UploadsGrpc.Contracts/UploadsGrpc.Contracts.csproj src/UploadsGrpc.Contracts/
COPY src/UploadsGrpc.Emulator/UploadsGrpc.Emulator.csproj src/UploadsGrpc.Emulator/
COPY src/UploadsGrpc.Server/UploadsGrpc.Server.csproj src/UploadsGrpc.Server/
RUN dotnet restore src/UploadsGrpc.Server -r "$(cat /rid)" -p:PublishAot=true
COPY src/UploadsGrpc.Contracts/ src/UploadsGrpc.Contracts/
COPY src/UploadsGrpc.Emulator/ src/UploadsGrpc.Emulator/
COPY src/UploadsGrpc.Server/ src/UploadsGrpc.Server/

# Native AOT, with no debug symbols anywhere in the output (no .dbg beside the binary, no .pdb).
FROM build AS emulator-publish
RUN dotnet publish src/UploadsGrpc.Emulator -c Release -r "$(cat /rid)" \
      -p:PublishAot=true -p:DebugType=none -p:DebugSymbols=false -p:StripSymbols=true -o /app

FROM mcr.microsoft.com/dotnet/runtime-deps:10.0 AS emulator
WORKDIR /app
COPY --from=emulator-publish /app/ ./
USER $APP_UID
EXPOSE 8080
ENTRYPOINT ["./UploadsGrpc.Emulator"]

FROM build AS publish
RUN dotnet publish src/UploadsGrpc.Server -c Release -r "$(cat /rid)" \
      -p:PublishAot=true -p:DebugType=none -p:DebugSymbols=false -p:StripSymbols=true -o /app

# The server: Production by default, so it needs OPENAI_API_KEY (or Upstream__Mode=Emulator to try it out).
# Its admin port serves GET /metrics over HTTP/1.1 (docs/telemetry.md; Admin__Port= turns it off), and its console
# log is one JSON object a line, as log collectors read it (Logging__Console__FormatterName=simple for text).
FROM mcr.microsoft.com/dotnet/runtime-deps:10.0
WORKDIR /app
COPY --from=publish /app/ ./
ENV Admin__Port=9464 Logging__Console__FormatterName=json
USER $APP_UID
EXPOSE 8080 9464
ENTRYPOINT ["./UploadsGrpc.Server"]
