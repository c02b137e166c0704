// A small OTLP/HTTP logs receiver for the tests. It decodes every POST /v1/logs body with the official OTLP
// protobuf definitions (go.opentelemetry.io/proto/otlp), appends the decoded request as one line of protojson
// to a file (so records survive a restart of the receiver), and only then answers 200 with an
// ExportLogsServiceResponse, as a collector does. A body that does not decode is refused with 400.
package main

import (
	"compress/gzip"
	"flag"
	"io"
	"log"
	"net/http"
	"os"
	"sync"
	"time"

	collogs "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

const maxBody = 64 << 20

type receiver struct {
	mu  sync.Mutex
	out *os.File
}

func (rc *receiver) logs(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-protobuf" {
		http.Error(w, "Content-Type must be application/x-protobuf, got "+ct, http.StatusUnsupportedMediaType)
		return
	}
	var body io.Reader = http.MaxBytesReader(w, r.Body, maxBody)
	if r.Header.Get("Content-Encoding") == "gzip" {
		gz, err := gzip.NewReader(body)
		if err != nil {
			http.Error(w, "bad gzip body: "+err.Error(), http.StatusBadRequest)
			return
		}
		defer gz.Close()
		body = io.LimitReader(gz, maxBody)
	}
	data, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, "reading body: "+err.Error(), http.StatusBadRequest)
		return
	}
	var req collogs.ExportLogsServiceRequest
	if err := proto.Unmarshal(data, &req); err != nil {
		http.Error(w, "not an ExportLogsServiceRequest: "+err.Error(), http.StatusBadRequest)
		return
	}
	line, err := protojson.MarshalOptions{UseEnumNumbers: true}.Marshal(&req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	rc.mu.Lock()
	_, err = rc.out.Write(append(line, '\n'))
	rc.mu.Unlock()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	resp, _ := proto.Marshal(&collogs.ExportLogsServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(resp)
}

func main() {
	listen := flag.String("listen", "127.0.0.1:4318", "address to listen on (loopback)")
	out := flag.String("out", "records.jsonl", "file the decoded requests are appended to")
	flag.Parse()
	f, err := os.OpenFile(*out, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		log.Fatal(err)
	}
	rc := &receiver{out: f}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/logs", rc.logs)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	server := &http.Server{Addr: *listen, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Printf("otlp receiver listening on %s, writing %s", *listen, *out)
	log.Fatal(server.ListenAndServe())
}
