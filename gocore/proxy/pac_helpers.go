package proxy

import (
	"math"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dop251/goja"
)

// The Go side of the PAC helpers (installed by pacEngine.installHelpers):
// addresses (myIpAddress, isInNet, sortIpAddressList, ...) and dates
// (weekdayRange, timeRange, dateRange).

// interfaceAddrs lists the addresses of the interfaces that are up.
func interfaceAddrs() []netip.Addr {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil
	}
	var out []netip.Addr
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				if ip, ok := netip.AddrFromSlice(n.IP); ok {
					out = append(out, ip.Unmap())
				}
			}
		}
	}
	return out
}

func firstIPv4(addrs []netip.Addr) (netip.Addr, bool) {
	for _, a := range addrs {
		if a.Is4() {
			return a, true
		}
	}
	return netip.Addr{}, false
}

func joinAddrs(addrs []netip.Addr) string {
	parts := make([]string, len(addrs))
	for i, a := range addrs {
		parts[i] = a.String()
	}
	return strings.Join(parts, ";")
}

func ipv4Bits(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// dottedQuad reads what isInNet takes as an address without resolving it:
// four dot-separated runs of 1 to 4 digits. shaped says s has that shape;
// ok that each part is at most 255 too.
func dottedQuad(s string) (v uint32, shaped, ok bool) {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return 0, false, false
	}
	ok = true
	for _, p := range parts {
		if len(p) < 1 || len(p) > 4 || strings.Trim(p, "0123456789") != "" {
			return 0, false, false
		}
		n, _ := strconv.Atoi(p)
		if n > 255 {
			ok = false
		}
		v = v<<8 | uint32(n&0xff)
	}
	return v, true, ok
}

// convertAddr is the classic PAC convert_addr: each dot-separated part
// taken as a JS number (non-numbers are 0), its low byte kept.
func convertAddr(vm *goja.Runtime, s string) uint32 {
	parts := strings.Split(s, ".")
	var v uint32
	for i := 0; i < 4; i++ {
		var b uint32
		if i < len(parts) {
			b = uint32(vm.ToValue(parts[i]).ToInteger()) & 0xff
		}
		v = v<<8 | b
	}
	return v
}

// sortIPList sorts a ";"-separated address list, IPv6 first, each family
// in ascending order; false when it is empty or holds a non-address.
func sortIPList(list string) (string, bool) {
	var addrs []netip.Addr
	for _, p := range strings.Split(list, ";") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		a, err := netip.ParseAddr(p)
		if err != nil {
			return "", false
		}
		addrs = append(addrs, a)
	}
	if len(addrs) == 0 {
		return "", false
	}
	sort.SliceStable(addrs, func(i, j int) bool {
		if addrs[i].Is6() != addrs[j].Is6() {
			return addrs[i].Is6()
		}
		return addrs[i].Less(addrs[j])
	})
	return joinAddrs(addrs), true
}

// clock is the time the date helpers test: UTC when the last argument is
// "GMT" (which is then dropped), else local time.
func (e *pacEngine) clock(args []goja.Value) (time.Time, []goja.Value) {
	now := e.opts.now()
	if n := len(args); n > 0 && strings.EqualFold(args[n-1].String(), "GMT") {
		return now.UTC(), args[:n-1]
	}
	return now.Local(), args
}

// inRange reports lo <= v <= hi, wrapping around when lo > hi (FRI..MON,
// 22h..6h, DEC..FEB).
func inRange(v, lo, hi int) bool {
	if lo <= hi {
		return lo <= v && v <= hi
	}
	return v >= lo || v <= hi
}

var pacWeekdays = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}

var pacMonths = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}

func indexFold(list []string, s string) int {
	for i, v := range list {
		if strings.EqualFold(v, s) {
			return i
		}
	}
	return -1
}

// weekdayRange(wd1 [, wd2] [, "GMT"]): today is wd1, or within wd1..wd2
// (wrapping past SAT).
func (e *pacEngine) weekdayRange(args []goja.Value) bool {
	now, args := e.clock(args)
	if len(args) < 1 || len(args) > 2 {
		return false
	}
	d1 := indexFold(pacWeekdays, args[0].String())
	d2 := d1
	if len(args) == 2 {
		d2 = indexFold(pacWeekdays, args[1].String())
	}
	if d1 < 0 || d2 < 0 {
		return false
	}
	return inRange(int(now.Weekday()), d1, d2)
}

// pacInts reads numeric arguments; false if one is not a number.
func pacInts(args []goja.Value) ([]int, bool) {
	out := make([]int, len(args))
	for i, a := range args {
		f := a.ToFloat()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, false
		}
		out[i] = int(f)
	}
	return out, true
}

// timeRange(hour), (h1, h2), (h1, m1, h2, m2), (h1, m1, s1, h2, m2, s2),
// each with an optional "GMT". Hour ranges include the whole last hour,
// minute ranges the whole last minute; ranges may wrap past midnight.
func (e *pacEngine) timeRange(args []goja.Value) bool {
	now, args := e.clock(args)
	n, ok := pacInts(args)
	if !ok {
		return false
	}
	h, m, s := now.Clock()
	secs := h*3600 + m*60 + s
	switch len(n) {
	case 1:
		return h == n[0]
	case 2:
		return inRange(h, n[0], n[1])
	case 4:
		return inRange(secs, n[0]*3600+n[1]*60, n[2]*3600+n[3]*60+59)
	case 6:
		return inRange(secs, n[0]*3600+n[1]*60+n[2], n[3]*3600+n[4]*60+n[5])
	}
	return false
}

// dateRange(day | month | year), (x1, x2), (d1, m1, d2, m2), (m1, y1, m2,
// y2), (d1, m1, y1, d2, m2, y2), each with an optional "GMT". Days are
// 1-31, years 32 and above, months "JAN".."DEC". Ranges without a year
// may wrap (DEC..FEB).
func (e *pacEngine) dateRange(args []goja.Value) bool {
	now, args := e.clock(args)
	const (
		year = iota
		month
		day
	)
	type field struct{ kind, value int }
	fields := make([]field, len(args))
	for i, a := range args {
		if m := indexFold(pacMonths, a.String()); m >= 0 {
			fields[i] = field{month, m}
			continue
		}
		f := a.ToFloat()
		switch {
		case math.IsNaN(f) || f < 1:
			return false
		case f < 32:
			fields[i] = field{day, int(f)}
		default:
			fields[i] = field{year, int(f)}
		}
	}
	current := [3]int{now.Year(), int(now.Month()) - 1, now.Day()}
	if len(fields) == 1 {
		return current[fields[0].kind] == fields[0].value
	}
	if len(fields) != 2 && len(fields) != 4 && len(fields) != 6 {
		return false
	}
	half := len(fields) / 2
	var seen [3]bool
	var lo, hi, cur [3]int
	for i := 0; i < half; i++ {
		a, b := fields[i], fields[half+i]
		if a.kind != b.kind || seen[a.kind] {
			return false
		}
		seen[a.kind] = true
		lo[a.kind], hi[a.kind], cur[a.kind] = a.value, b.value, current[a.kind]
	}
	key := func(v [3]int) int { return v[year]*10000 + v[month]*100 + v[day] }
	if seen[year] {
		return key(lo) <= key(cur) && key(cur) <= key(hi)
	}
	return inRange(key(cur), key(lo), key(hi))
}
