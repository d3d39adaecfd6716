// Command server is the loopback peer of `npm run bench`: one process
// serving the benchmark routes over plain HTTP/1.1, HTTPS restricted to
// HTTP/1.1 (ALPN offers only http/1.1) and HTTPS with HTTP/2 (ALPN h2).
//
//	go build -o benchmark/.bin/server ./benchmark/server && benchmark/.bin/server
//
// It makes a fresh CA and leaf certificate (127.0.0.1, ::1, localhost) in a
// temporary directory, listens on 127.0.0.1 port 0 three times, and prints
// one JSON line: {"http":PORT,"https":PORT,"h2":PORT,"ca":"/tmp/.../ca.pem",
// "dir":"/tmp/..."}. It serves until stdin closes or it is signalled, then
// removes the directory.
//
// Routes (every method):
//
//	/small        a 100-byte body
//	/bytes?n=N    N bytes streamed from one reused 256 KiB buffer (Content-Length set)
//	/upload       reads and discards the request body, answers the byte count
//	/slow?ms=M    answers a small body after M milliseconds
//	/proto        the protocol version the request arrived with: "1.1" or "2.0"
//	/stats        counters since start: connections accepted per listener, requests
//
// Nothing is logged per request.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	smallBody = []byte("go-net-request benchmark: a small response body of exactly one hundred bytes, padded with dots.....\n")
	chunk     = make([]byte, 256<<10)
	requests  atomic.Int64
)

func init() {
	for i := range chunk {
		chunk[i] = byte('a' + i%26)
	}
	if len(smallBody) != 100 {
		panic(fmt.Sprintf("small body is %d bytes", len(smallBody)))
	}
}

func handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/small", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		h := w.Header()
		h["Content-Type"] = []string{"text/plain"}
		h["Content-Length"] = []string{"100"}
		w.Write(smallBody)
	})
	mux.HandleFunc("/bytes", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		n, err := strconv.ParseInt(r.URL.Query().Get("n"), 10, 64)
		if err != nil || n < 0 {
			http.Error(w, "bad n", http.StatusBadRequest)
			return
		}
		h := w.Header()
		h["Content-Type"] = []string{"application/octet-stream"}
		h["Content-Length"] = []string{strconv.FormatInt(n, 10)}
		for n > 0 {
			m := min(n, int64(len(chunk)))
			if _, err := w.Write(chunk[:m]); err != nil {
				return
			}
			n -= m
		}
	})
	mux.HandleFunc("/upload", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header()["Content-Type"] = []string{"text/plain"}
		io.WriteString(w, strconv.FormatInt(n, 10))
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
		t := time.NewTimer(time.Duration(ms) * time.Millisecond)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
		w.Header()["Content-Type"] = []string{"text/plain"}
		w.Write(smallBody)
	})
	mux.HandleFunc("/proto", func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = []string{"text/plain"}
		io.WriteString(w, strconv.Itoa(r.ProtoMajor)+"."+strconv.Itoa(r.ProtoMinor))
	})
	mux.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = []string{"application/json"}
		json.NewEncoder(w).Encode(map[string]int64{
			"httpConns":  conns[0].Load(),
			"httpsConns": conns[1].Load(),
			"h2Conns":    conns[2].Load(),
			"requests":   requests.Load(),
		})
	})
	return mux
}

var conns [3]atomic.Int64

func main() {
	dir, err := os.MkdirTemp("", "gnr-bench-")
	check(err)
	defer os.RemoveAll(dir)
	cert, caPath := makeCerts(dir)

	ports := make([]int, 3)
	servers := make([]*http.Server, 3)
	for i := range 3 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		check(err)
		ports[i] = ln.Addr().(*net.TCPAddr).Port
		i := i
		srv := &http.Server{
			Handler:           handler(),
			ReadHeaderTimeout: 30 * time.Second,
			IdleTimeout:       120 * time.Second,
			ErrorLog:          log.New(io.Discard, "", 0), // no per-request or per-connection logging
			ConnState: func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					conns[i].Add(1)
				}
			},
		}
		srv.Protocols = new(http.Protocols)
		switch i {
		case 0: // plain HTTP/1.1
			srv.Protocols.SetHTTP1(true)
		case 1: // HTTPS, HTTP/1.1 only
			srv.Protocols.SetHTTP1(true)
			srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}}
		case 2: // HTTPS with HTTP/2 (and HTTP/1.1 for clients that offer only that)
			srv.Protocols.SetHTTP1(true)
			srv.Protocols.SetHTTP2(true)
			srv.HTTP2 = &http.HTTP2Config{
				MaxConcurrentStreams:          1000,
				MaxReceiveBufferPerConnection: 16 << 20,
				MaxReceiveBufferPerStream:     8 << 20,
			}
			srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		}
		servers[i] = srv
		go func() {
			var err error
			if srv.TLSConfig != nil {
				err = srv.ServeTLS(ln, "", "")
			} else {
				err = srv.Serve(ln)
			}
			if err != nil && err != http.ErrServerClosed {
				fmt.Fprintf(os.Stderr, "bench server: %v\n", err)
				os.Exit(1)
			}
		}()
	}

	line, _ := json.Marshal(map[string]any{
		"http": ports[0], "https": ports[1], "h2": ports[2], "ca": caPath, "dir": dir, "pid": os.Getpid(),
	})
	fmt.Println(string(line))

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	stdinClosed := make(chan struct{})
	go func() {
		io.Copy(io.Discard, os.Stdin)
		close(stdinClosed)
	}()
	select {
	case <-stop:
	case <-stdinClosed:
	}
	for _, s := range servers {
		s.Close()
	}
}

// makeCerts writes ca.pem and returns a leaf for 127.0.0.1, ::1 and localhost.
func makeCerts(dir string) (tls.Certificate, string) {
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	check(err)
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "go-net-request bench CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	check(err)
	caCert, err := x509.ParseCertificate(caDER)
	check(err)

	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	check(err)
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, caCert, &leafKey.PublicKey, caKey)
	check(err)

	caPath := filepath.Join(dir, "ca.pem")
	check(os.WriteFile(caPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o644))
	return tls.Certificate{Certificate: [][]byte{leafDER, caDER}, PrivateKey: leafKey}, caPath
}

func check(err error) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench server: %v\n", err)
		os.Exit(1)
	}
}
