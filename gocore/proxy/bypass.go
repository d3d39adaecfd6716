package proxy

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// bypassRules is a parsed proxyBypassRules list. Later rules override
// earlier ones; when none matches, the implicit rules decide.
type bypassRules []bypassRule

type bypassRuleKind int

const (
	bypassLocal       bypassRuleKind = iota // <local>: host names without a dot
	bypassNotLoopback                       // <-loopback>: undo the implicit bypass
	bypassHostPattern                       // [scheme://]pattern[:port]
	bypassIPLiteral                         // [scheme://]ip[:port]
	bypassIPBlock                           // [scheme://]ip/bits
)

type bypassRule struct {
	kind    bypassRuleKind
	scheme  string       // "" for any
	pattern string       // bypassHostPattern, lower-case, * and ? wildcards
	port    int          // 0 for any
	ip      netip.Addr   // bypassIPLiteral
	block   netip.Prefix // bypassIPBlock, masked
}

// ruleVerdict is what one rule says of a destination.
type ruleVerdict int

const (
	ruleNoMatch ruleVerdict = iota
	ruleBypass              // go direct
	ruleProxy               // <-loopback> matched: do not bypass
)

// parseBypassRules reads Chromium's bypass list: rules separated by ","
// or ";", each one of
//
//	<local>                        host names without a dot (not IP literals)
//	<-loopback>                    proxy loopback too (removes the implicit rule)
//	[scheme://]host-pattern[:port] "*.example.com", ".example.com" (= "*.example.com"),
//	                               "example.com" (that host only), "*" and "?" wildcards
//	[scheme://]ip-literal[:port]   "127.0.0.1", "[::1]:99", also "127.0.1"
//	ip-literal/prefix-length       "10.0.0.0/8", "[::1]/128", "fefe:13::abc/33"
func parseBypassRules(s string) (bypassRules, error) {
	var rules bypassRules
	for _, raw := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		r, err := parseBypassRule(raw)
		if err != nil {
			return nil, fmt.Errorf("proxyBypassRules %q: %w", s, err)
		}
		rules = append(rules, r)
	}
	return rules, nil
}

func parseBypassRule(raw string) (bypassRule, error) {
	switch strings.ToLower(raw) {
	case "<local>":
		return bypassRule{kind: bypassLocal}, nil
	case "<-loopback>":
		return bypassRule{kind: bypassNotLoopback}, nil
	}
	var r bypassRule
	rest := raw
	if i := strings.Index(rest, "://"); i >= 0 {
		r.scheme, rest = strings.ToLower(rest[:i]), rest[i+3:]
		if r.scheme == "" {
			return r, fmt.Errorf("%q: empty scheme", raw)
		}
	}
	if rest == "" {
		return r, fmt.Errorf("%q: no host", raw)
	}
	if addr, bits, ok := strings.Cut(rest, "/"); ok {
		addr = strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]")
		ip, err := netip.ParseAddr(addr)
		if err != nil {
			loose, isV4 := parseIPv4Loose(addr)
			if !isV4 {
				return r, fmt.Errorf("%q: %q is not an IP address", raw, addr)
			}
			ip = loose
		}
		ip = ip.WithZone("")
		n, err := strconv.Atoi(bits)
		if ip.Is4In6() {
			ip, n = ip.Unmap(), n-96
		}
		if err != nil || n < 0 || n > ip.BitLen() {
			return r, fmt.Errorf("%q: bad prefix length %q", raw, bits)
		}
		block, _ := ip.Prefix(n)
		r.kind, r.block = bypassIPBlock, block
		return r, nil
	}
	if host, port, err := splitBypassHostPort(rest); err == nil {
		if ip, perr := netip.ParseAddr(host); perr == nil && ip.Zone() == "" {
			r.kind, r.ip, r.port = bypassIPLiteral, ip.Unmap(), port
			return r, nil
		}
		if ip, ok := parseIPv4Loose(host); ok {
			r.kind, r.ip, r.port = bypassIPLiteral, ip, port
			return r, nil
		}
	}
	pattern := rest
	if i := strings.LastIndexByte(rest, ':'); i >= 0 && !strings.HasSuffix(rest, "]") {
		port, err := strconv.Atoi(rest[i+1:])
		if err != nil || port < 0 || port > 65535 {
			return r, fmt.Errorf("%q: bad port %q", raw, rest[i+1:])
		}
		pattern, r.port = rest[:i], port
	}
	if pattern == "" {
		return r, fmt.Errorf("%q: no host", raw)
	}
	if strings.HasPrefix(pattern, ".") {
		pattern = "*" + pattern
	}
	r.kind, r.pattern = bypassHostPattern, strings.ToLower(pattern)
	return r, nil
}

// splitBypassHostPort splits an IP literal rule: "1.2.3.4", "1.2.3.4:80",
// "[::1]", "[::1]:80", "::1".
func splitBypassHostPort(s string) (string, int, error) {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", 0, errors.New("unclosed [")
		}
		host, rest := s[1:end], s[end+1:]
		if rest == "" {
			return host, 0, nil
		}
		if rest[0] != ':' {
			return "", 0, errors.New("junk after ]")
		}
		port, err := strconv.Atoi(rest[1:])
		if err != nil || port < 0 || port > 65535 {
			return "", 0, errors.New("bad port")
		}
		return host, port, nil
	}
	if strings.Count(s, ":") > 1 {
		return s, 0, nil // a bare IPv6 literal
	}
	host, portText, ok := strings.Cut(s, ":")
	if !ok {
		return host, 0, nil
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, errors.New("bad port")
	}
	return host, port, nil
}

// subtractsLoopback reports whether the list holds <-loopback>.
func (rs bypassRules) subtractsLoopback() bool {
	for _, r := range rs {
		if r.kind == bypassNotLoopback {
			return true
		}
	}
	return false
}

// matches reports whether t goes DIRECT: the last rule that has an opinion
// decides, else the implicit rules (loopback and link-local).
func (rs bypassRules) matches(t proxyTarget) bool {
	for i := len(rs) - 1; i >= 0; i-- {
		switch rs[i].evaluate(t) {
		case ruleBypass:
			return true
		case ruleProxy:
			return false
		}
	}
	return implicitBypass(t)
}

func (r bypassRule) evaluate(t proxyTarget) ruleVerdict {
	if r.scheme != "" && r.scheme != t.scheme {
		return ruleNoMatch
	}
	if r.port != 0 && r.port != t.port {
		return ruleNoMatch
	}
	matched := false
	switch r.kind {
	case bypassLocal:
		matched = !t.ip.IsValid() && !strings.Contains(t.host, ".")
	case bypassNotLoopback:
		if implicitBypass(t) {
			return ruleProxy
		}
	case bypassHostPattern:
		matched = globMatch(t.patternHost(), r.pattern, true)
	case bypassIPLiteral:
		matched = t.ip.IsValid() && t.ip == r.ip
	case bypassIPBlock:
		matched = t.ip.IsValid() && r.block.Contains(t.ip)
	}
	if matched {
		return ruleBypass
	}
	return ruleNoMatch
}

// globMatch matches s against pattern, where '*' is any run of characters,
// '?' one character (or, with optionalQuestion, zero or one, as Chromium's
// MatchPattern), and '\' makes the next character literal.
func globMatch(s, pattern string, optionalQuestion bool) bool {
	// prev[j] says whether s[:i] matches pattern tokens [:j].
	type token struct {
		c    byte
		kind byte // 'c' literal, '*' star, '?' one
	}
	var toks []token
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; {
		case c == '\\' && i+1 < len(pattern):
			i++
			toks = append(toks, token{pattern[i], 'c'})
		case c == '*':
			if len(toks) == 0 || toks[len(toks)-1].kind != '*' {
				toks = append(toks, token{0, '*'})
			}
		case c == '?':
			toks = append(toks, token{0, '?'})
		default:
			toks = append(toks, token{c, 'c'})
		}
	}
	prev := make([]bool, len(toks)+1)
	cur := make([]bool, len(toks)+1)
	prev[0] = true
	for j, tk := range toks { // the empty string
		prev[j+1] = prev[j] && (tk.kind == '*' || (tk.kind == '?' && optionalQuestion))
	}
	for i := 0; i < len(s); i++ {
		cur[0] = false
		for j, tk := range toks {
			switch tk.kind {
			case '*':
				cur[j+1] = cur[j] || prev[j+1]
			case '?':
				cur[j+1] = prev[j] || (optionalQuestion && cur[j])
			default:
				cur[j+1] = prev[j] && s[i] == tk.c
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(toks)]
}
