package httpcache

import (
	"slices"
	"sort"
	"strings"

	"github.com/go-net-request/go-net-request/gocore/httpwire"
)

// varyField is one request header the stored response varies on.
type varyField struct {
	name    string // lower-case
	value   string // every value of the request's header, trimmed, joined with ", "
	present bool   // whether the request had the header at all
}

// varyData is the canonical text of a variant's request fields.
func varyData(vary []varyField) string {
	var b strings.Builder
	for _, f := range vary {
		b.WriteString(f.name)
		b.WriteByte(0)
		if f.present {
			b.WriteByte(1)
		} else {
			b.WriteByte(0)
		}
		b.WriteString(f.value)
		b.WriteByte(0)
	}
	return b.String()
}

// varyNames returns the response's Vary names, lower-cased, sorted and
// without duplicates, and whether one of them is "*".
func varyNames(hs []httpwire.Header) (names []string, star bool) {
	for _, h := range hs {
		if !strings.EqualFold(h.Name, "Vary") {
			continue
		}
		for _, n := range strings.Split(h.Value, ",") {
			n = strings.ToLower(strings.TrimSpace(n))
			switch n {
			case "":
			case "*":
				star = true
			default:
				names = append(names, n)
			}
		}
	}
	sort.Strings(names)
	return slices.Compact(names), star
}

// varyFieldsOf records the request's values of names.
func varyFieldsOf(names []string, reqHeaders []httpwire.Header) []varyField {
	if len(names) == 0 {
		return nil
	}
	fields := make([]varyField, len(names))
	for i, n := range names {
		fields[i] = varyValue(n, reqHeaders)
	}
	return fields
}

func varyValue(name string, reqHeaders []httpwire.Header) varyField {
	f := varyField{name: name}
	var values []string
	for _, h := range reqHeaders {
		if strings.EqualFold(h.Name, name) {
			f.present = true
			values = append(values, strings.TrimSpace(h.Value))
		}
	}
	f.value = strings.Join(values, ", ")
	return f
}

// varyMatches reports whether a request with reqHeaders has the stored
// request's values for every Vary name (absent matches only absent).
func varyMatches(vary []varyField, reqHeaders []httpwire.Header) bool {
	for _, f := range vary {
		if varyValue(f.name, reqHeaders) != f {
			return false
		}
	}
	return true
}
