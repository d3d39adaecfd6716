package httpcache

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestExtendedPathOnlyForLongPaths(t *testing.T) {
	long := strings.Repeat("d", 250)
	tests := []struct {
		name, path, want string
	}{
		{"a short path as it is", `C:\cache\entry`, `C:\cache\entry`},
		{"a long drive path", `C:\` + long + `\entry`, `\\?\C:\` + long + `\entry`},
		{"a long UNC path", `\\server\share\` + long, `\\?\UNC\server\share\` + long},
		{"an extended path as it is", `\\?\C:\` + long, `\\?\C:\` + long},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, extendedPath(tt.path))
		})
	}
}
