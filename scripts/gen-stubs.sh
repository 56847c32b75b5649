#!/usr/bin/env bash
# Generates client stubs for UploadsGrpc's contract (protos/) and the google.rpc error protos it
# returns (status.proto, error_details.proto from the Google.Api.CommonProtos NuGet package), with
# tools that install offline on Debian:
#   python  protoc --python_out + grpc_python_plugin   apt-get install protobuf-compiler protobuf-compiler-grpc python3-grpcio python3-protobuf
#   ts      protoc + ts-proto (grpc-js clients)         npm ci (pinned in package.json)
#   go      protoc-gen-go + protoc-gen-go-grpc          apt-get install protoc-gen-go protoc-gen-go-grpc
#   csharp  Grpc.Tools' protoc + grpc_csharp_plugin     dotnet restore (Grpc.Tools is a NuGet package)
# Plain Node needs no stubs: @grpc/proto-loader reads OUT/proto at run time.
#
# Usage: scripts/gen-stubs.sh [OUT] [LANG...]   (OUT defaults to gen/, LANG to all four)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mkdir -p "${1:-$root/gen}" && cd "${1:-$root/gen}" && pwd)"
shift || true
langs=("$@"); [ ${#langs[@]} -gt 0 ] || langs=(python ts go csharp)

packages="$(dotnet nuget locals global-packages --list --force-english-output | sed -E 's/^global-packages: //')"
version() { sed -nE "s/.*Include=\"$1\" Version=\"([^\"]+)\".*/\1/p" "$root/Directory.Packages.props"; }
common="$packages/google.api.commonprotos/$(version Google.Api.CommonProtos)/content/protos"
grpc_tools="$packages/grpc.tools/$(version Grpc.Tools)/tools/linux_x64"
if [ ! -f "$common/google/rpc/status.proto" ] || [ ! -x "$grpc_tools/protoc" ]; then
  # The packages arrive with the server's restore; a fresh machine may not have run it yet.
  dotnet restore "$root/src/UploadsGrpc.Server/UploadsGrpc.Server.csproj" --nologo -v quiet >/dev/null
  dotnet restore "$root/src/UploadsGrpc.Contracts/UploadsGrpc.Contracts.csproj" --nologo -v quiet >/dev/null
fi

# One include tree for every language: the contract, plus the two google.rpc files a client needs to
# decode an error's details (google.protobuf's well-known types ship with every protoc).
mkdir -p "$out/proto/google/rpc"
cp -r "$root/protos/uploadsgrpc" "$out/proto/"
cp "$common/google/rpc/status.proto" "$common/google/rpc/error_details.proto" "$out/proto/google/rpc/"
chmod -R u+w "$out/proto"
contract=(uploadsgrpc/v1/resources.proto uploadsgrpc/v1/upload_service.proto uploadsgrpc/v1/file_service.proto)
errors=(google/rpc/status.proto google/rpc/error_details.proto)

for lang in "${langs[@]}"; do
  rm -rf "${out:?}/$lang"; mkdir -p "$out/$lang"
  case "$lang" in
    python)
      /usr/bin/protoc -I "$out/proto" --python_out="$out/python" --pyi_out="$out/python" \
        --grpc_out="$out/python" --plugin=protoc-gen-grpc=/usr/bin/grpc_python_plugin \
        "${contract[@]}" "${errors[@]}" ;;
    ts)
      # ts-proto: grpc-js clients, int64 as bigint so sizes past 2^53 stay exact.
      /usr/bin/protoc -I "$out/proto" --plugin="$root/node_modules/.bin/protoc-gen-ts_proto" \
        --ts_proto_out="$out/ts" \
        --ts_proto_opt=outputServices=grpc-js,forceLong=bigint,esModuleInterop=true,useDate=false,env=node \
        "${contract[@]}" "${errors[@]}" ;;
    go)
      # google.rpc's Go types live in genproto; map them there rather than generating a second copy.
      m="Mgoogle/rpc/status.proto=google.golang.org/genproto/googleapis/rpc/status"
      m="$m,Mgoogle/rpc/error_details.proto=google.golang.org/genproto/googleapis/rpc/errdetails"
      /usr/bin/protoc -I "$out/proto" --go_out="$out/go" --go_opt=paths=source_relative,"$m" \
        --go-grpc_out="$out/go" --go-grpc_opt=paths=source_relative \
        "${contract[@]}" ;;
    csharp)
      # Grpc.Tools' own protoc and plugin: what a C# project's <Protobuf> items run at build time.
      "$grpc_tools/protoc" -I "$out/proto" -I "$packages/grpc.tools/$(version Grpc.Tools)/build/native/include" \
        --csharp_out="$out/csharp" --grpc_out="$out/csharp" --grpc_opt=no_server \
        --plugin=protoc-gen-grpc="$grpc_tools/grpc_csharp_plugin" "${contract[@]}" ;;
    *) echo "unknown language: $lang (python, ts, go, csharp)" >&2; exit 2 ;;
  esac
  echo "$lang: $(find "$out/$lang" -type f | wc -l) files in $out/$lang"
done
