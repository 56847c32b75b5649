// A Go team's client of UploadsGrpc: stubs from scripts/gen-stubs.sh (protoc-gen-go, protoc-gen-go-grpc),
// built in GOPATH mode against Debian's grpc-go, protobuf and genproto packages.
// Usage: go run main.go SERVER_ADDRESS   Prints ok/FAIL lines and "go: N passed, M failed".
// Sends "authorization: Bearer $UPLOADSGRPC_TOKEN" on every call when the variable is set.
package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	uploadsgrpcv1 "github.com/uploadsgrpc/uploadsgrpc/gen/go/uploadsgrpc/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

const eightGiBLessOne int64 = 8*1024*1024*1024 - 1

// bearer sends the caller's token on every call. It does not require transport security: the server listens in
// cleartext on loopback here, and grpc-go would otherwise refuse to send it.
type bearer string

func (token bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + string(token)}, nil
}

func (bearer) RequireTransportSecurity() bool { return false }

func checkRoundTrip(client uploadsgrpcv1.UploadServiceClient) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	created, err := client.CreateUpload(ctx, &uploadsgrpcv1.CreateUploadRequest{
		Filename: "big.bin", Purpose: uploadsgrpcv1.FilePurpose_FILE_PURPOSE_BATCH, Bytes: eightGiBLessOne, MimeType: "application/jsonl",
	})
	if err != nil {
		return fmt.Errorf("CreateUpload: %w", err)
	}
	upload := created.GetUpload()
	if upload.GetBytes() != eightGiBLessOne || upload.GetPurposeValue() != "batch" || upload.GetStatus() != uploadsgrpcv1.UploadStatus_UPLOAD_STATUS_PENDING {
		return fmt.Errorf("created upload: bytes %d, purpose %q, status %v", upload.GetBytes(), upload.GetPurposeValue(), upload.GetStatus())
	}
	if d := upload.GetExpiresAt().GetSeconds() - upload.GetCreatedAt().GetSeconds(); d != 3600 {
		return fmt.Errorf("expires_at - created_at = %d, want 3600", d)
	}
	cancelled, err := client.CancelUpload(ctx, &uploadsgrpcv1.CancelUploadRequest{UploadId: upload.GetId()})
	if err != nil {
		return fmt.Errorf("CancelUpload: %w", err)
	}
	if cancelled.GetUpload().GetStatus() != uploadsgrpcv1.UploadStatus_UPLOAD_STATUS_CANCELLED || cancelled.GetUpload().GetStatusValue() != "cancelled" {
		return fmt.Errorf("cancelled upload: status %v %q", cancelled.GetUpload().GetStatus(), cancelled.GetUpload().GetStatusValue())
	}

	var trailer metadata.MD
	_, err = client.CancelUpload(ctx, &uploadsgrpcv1.CancelUploadRequest{UploadId: upload.GetId()}, grpc.Trailer(&trailer))
	st, _ := status.FromError(err)
	if st.Code() != codes.InvalidArgument {
		return fmt.Errorf("second CancelUpload: %v, want InvalidArgument", err)
	}
	var info *errdetails.ErrorInfo
	for _, detail := range st.Details() {
		if i, ok := detail.(*errdetails.ErrorInfo); ok {
			info = i
		}
	}
	if info == nil || info.GetDomain() != "api.openai.com" || info.GetReason() != "UPLOAD_NOT_PENDING" {
		return fmt.Errorf("ErrorInfo: %v (details %v)", info, st.Details())
	}
	ids := trailer.Get("x-request-id")
	if len(ids) != 1 || !strings.HasPrefix(ids[0], "req_") || info.GetMetadata()["request_id"] != ids[0] {
		return fmt.Errorf("x-request-id %v, ErrorInfo request_id %q", ids, info.GetMetadata()["request_id"])
	}
	return nil
}

// checkUnauthenticated calls on a connection without the token, and with a wrong one.
func checkUnauthenticated(anonymous uploadsgrpcv1.UploadServiceClient) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	request := &uploadsgrpcv1.CreateUploadRequest{
		Filename: "anonymous.jsonl", Purpose: uploadsgrpcv1.FilePurpose_FILE_PURPOSE_BATCH, Bytes: 10, MimeType: "application/jsonl",
	}
	wrong := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer wrong-"+os.Getenv("UPLOADSGRPC_TOKEN"))
	for _, call := range []context.Context{ctx, wrong} {
		_, err := anonymous.CreateUpload(call, request)
		if st, _ := status.FromError(err); st.Code() != codes.Unauthenticated {
			return fmt.Errorf("CreateUpload: %v, want Unauthenticated (16)", err)
		}
	}
	return nil
}

func main() {
	options := []grpc.DialOption{grpc.WithInsecure()}
	if token := os.Getenv("UPLOADSGRPC_TOKEN"); token != "" {
		options = append(options, grpc.WithPerRPCCredentials(bearer(token)))
	}
	conn, err := grpc.Dial(os.Args[1], options...)
	if err != nil {
		fmt.Printf("FAIL - go: dial: %v\ngo: 0 passed, 1 failed\n", err)
		os.Exit(1)
	}
	defer conn.Close()
	anonymous, err := grpc.Dial(os.Args[1], grpc.WithInsecure())
	if err != nil {
		fmt.Printf("FAIL - go: dial: %v\ngo: 0 passed, 1 failed\n", err)
		os.Exit(1)
	}
	defer anonymous.Close()

	checks := []struct {
		name string
		run  func() error
	}{
		{"an int64 past 2^32 round-trips; a second cancel is refused with ErrorInfo and x-request-id",
			func() error { return checkRoundTrip(uploadsgrpcv1.NewUploadServiceClient(conn)) }},
		{"a call without the token or with a wrong one is UNAUTHENTICATED",
			func() error { return checkUnauthenticated(uploadsgrpcv1.NewUploadServiceClient(anonymous)) }},
	}
	passed := 0
	for _, check := range checks {
		if err := check.run(); err != nil {
			fmt.Printf("FAIL - go: %s\n       %v\n", check.name, err)
			continue
		}
		passed++
		fmt.Printf("ok   - go: %s\n", check.name)
	}
	fmt.Printf("go: %d passed, %d failed\n", passed, len(checks)-passed)
	if passed != len(checks) {
		os.Exit(1)
	}
}
