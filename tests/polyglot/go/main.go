// A Go team's client of UploadsGrpc: stubs from scripts/gen-stubs.sh (protoc-gen-go, protoc-gen-go-grpc),
// built in GOPATH mode against Debian's grpc-go, protobuf and genproto packages.
// Usage: go run main.go SERVER_ADDRESS   Prints ok/FAIL lines and "go: N passed, M failed".
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

func check(client uploadsgrpcv1.UploadServiceClient) error {
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

func main() {
	conn, err := grpc.Dial(os.Args[1], grpc.WithInsecure())
	if err != nil {
		fmt.Printf("FAIL - go: dial: %v\ngo: 0 passed, 1 failed\n", err)
		os.Exit(1)
	}
	defer conn.Close()
	name := "an int64 past 2^32 round-trips; a second cancel is refused with ErrorInfo and x-request-id"
	if err := check(uploadsgrpcv1.NewUploadServiceClient(conn)); err != nil {
		fmt.Printf("FAIL - go: %s\n       %v\ngo: 0 passed, 1 failed\n", name, err)
		os.Exit(1)
	}
	fmt.Printf("ok   - go: %s\ngo: 1 passed, 0 failed\n", name)
}
