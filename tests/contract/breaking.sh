#!/usr/bin/env bash
# The contract's compatibility promise, checked: `buf breaking` (FILE rules) against the committed
# baseline image contract/uploadsgrpc-v1.binpb passes for protos/, passes for a copy with an added field and
# enum value, and fails, naming the rule, for copies broken in the ways that break clients.
# Prints "contract: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
buf=$PWD/node_modules/.bin/buf
baseline=$PWD/contract/uploadsgrpc-v1.binpb
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   - contract: $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - contract: $1"; sed 's/^/       /' "$work/out"; }

if "$buf" breaking --against "$baseline" > "$work/out" 2>&1; then ok "protos/ keeps every promise of the baseline"
else fail "protos/ breaks the baseline"; fi

variant() { # name, file under protos/uploadsgrpc/v1, sed program
  rm -rf "$work/copy"; mkdir -p "$work/copy"
  cp -r buf.yaml protos "$work/copy/"
  sed -i -e "$3" "$work/copy/protos/uploadsgrpc/v1/$2"
  if cmp -s "protos/uploadsgrpc/v1/$2" "$work/copy/protos/uploadsgrpc/v1/$2"; then
    echo "the edit for '$1' changed nothing: the protos moved under this test" > "$work/out"; return 2
  fi
  (cd "$work/copy" && "$buf" breaking --error-format json --against "$baseline") > "$work/out" 2>&1
}
breaks() { # name, file, sed program, rule buf must name
  variant "$1" "$2" "$3"
  local rc=$?
  if [ "$rc" -eq 100 ] && grep -q "\"type\":\"$4\"" "$work/out"; then ok "$1 is refused ($4)"
  else fail "$1: expected buf breaking to exit 100 naming $4, got exit $rc"; fi
}

variant "additions only" resources.proto \
  's/^  UPLOAD_STATUS_EXPIRED = 4;/&\n  \/\/ A later status.\n  UPLOAD_STATUS_ARCHIVED = 5;/; s/^  FileObject file = 11;/&\n  \/\/ A later field.\n  string note = 12;/'
rc=$?
if [ "$rc" -eq 0 ]; then ok "an added field and enum value are compatible"; else fail "an added field and enum value: exit $rc"; fi

breaks "a 64-bit size narrowed to int32" resources.proto '0,/^  int64 bytes = 3;/s//  int32 bytes = 3;/' FIELD_SAME_TYPE
breaks "a deleted enum value" resources.proto '/^  UPLOAD_STATUS_EXPIRED = 4;/d' ENUM_VALUE_NO_DELETE
breaks "a renamed field" upload_service.proto '0,/^  string md5 = 3;/s//  string checksum = 3;/' FIELD_SAME_NAME
breaks "a deleted RPC" upload_service.proto '/^  rpc CancelUpload(/d' RPC_NO_DELETE
breaks "a renumbered field" upload_service.proto '/^message CancelUploadRequest/,/^}/s/  string upload_id = 1;/  string upload_id = 2;/' FIELD_NO_DELETE
breaks "a field moved out of a oneof" upload_service.proto '/^message UploadFileRequest/,/^}/{/oneof payload {/d;0,/^  }/{/^  }/d}}' FIELD_SAME_ONEOF

echo "contract: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
