module github.com/go-net-request/go-net-request

go 1.26.0

require (
	github.com/andybalholm/brotli v1.2.0
	github.com/klauspost/compress v1.20.4
	golang.org/x/net v0.62.0
)

require (
	github.com/stretchr/testify v1.12.1
	go.yaml.in/yaml/v3 v3.0.5 // indirect
)
