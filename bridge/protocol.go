package main

// #include "bridge.h"
import "C"

import "github.com/go-net-request/go-net-request/gocore"

// bridge.h declares the protocol once; the bridge reads it through cgo
// (C.GNR_* are Go constants, so no generated copy can drift). gocore is
// pure Go and keeps its own values for what the protocol passes through
// unchanged: these lines stop the build when the two disagree. Each indexes
// a one-element array with the difference, which compiles only when it is 0.
var (
	_ = [1]int{}[gocore.RedirectFollow-C.GNR_REDIRECT_FOLLOW]
	_ = [1]int{}[gocore.RedirectError-C.GNR_REDIRECT_ERROR]
	_ = [1]int{}[gocore.RedirectManual-C.GNR_REDIRECT_MANUAL]

	_ = [1]int{}[gocore.CacheDefault-C.GNR_CACHE_DEFAULT]
	_ = [1]int{}[gocore.CacheNoStore-C.GNR_CACHE_NO_STORE]
	_ = [1]int{}[gocore.CacheReload-C.GNR_CACHE_RELOAD]
	_ = [1]int{}[gocore.CacheNoCache-C.GNR_CACHE_NO_CACHE]
	_ = [1]int{}[gocore.CacheForceCache-C.GNR_CACHE_FORCE_CACHE]
	_ = [1]int{}[gocore.CacheOnlyIfCached-C.GNR_CACHE_ONLY_IF_CACHED]

	_ = [1]int{}[gocore.VerdictTrust-C.GNR_CERT_TRUST]
	_ = [1]int{}[gocore.VerdictFail-C.GNR_CERT_FAIL]
	_ = [1]int{}[gocore.VerdictUseDefault-C.GNR_CERT_USE_ENGINE]

	_ = [1]int{}[gocore.UploadWindow-C.GNR_UPLOAD_WINDOW]
)
