package testkit

import "strings"

// FillerValue is the value of each X-Filler line of BigHead: the whole
// line, CRLF included, is 1 KiB.
var FillerValue = strings.Repeat("f", 1024-len("X-Filler: \r\n"))

// FillerCount is how many X-Filler lines BigHead(size) holds.
func FillerCount(size int) int {
	n := 0
	for k := 0; k+1024 <= size-64; k += 1024 {
		n++
	}
	return n
}

// BigHead is a complete response head of about size bytes made of 1 KiB
// headers.
func BigHead(size int) string {
	var b strings.Builder
	b.WriteString("HTTP/1.1 200 OK\r\n")
	for range FillerCount(size) {
		b.WriteString("X-Filler: " + FillerValue + "\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}
