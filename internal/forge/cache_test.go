package forge

import (
	"fmt"
	"strings"
	"testing"
)

func TestResponseCacheIsBounded(t *testing.T) {
	tests := []struct {
		name     string
		max      int64
		sets     []int // sizes stored under keys k0, k1, …
		touch    string
		wantKeys []string
	}{
		{"fits", 100, []int{10, 20, 30}, "", []string{"k0", "k1", "k2"}},
		{"oldest evicted by bytes", 50, []int{20, 20, 20}, "", []string{"k1", "k2"}},
		{"recent use survives", 50, []int{20, 20, 20}, "k0", []string{"k0", "k2"}},
		{"too large is not stored", 50, []int{10, 60}, "", []string{"k0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewResponseCache(tt.max)
			for i, n := range tt.sets {
				if tt.touch != "" && i == len(tt.sets)-1 {
					c.Get(tt.touch)
				}
				c.Set(fmt.Sprintf("k%d", i), []byte(strings.Repeat("x", n)))
			}
			var got []string
			for i := range tt.sets {
				if _, ok := c.Get(fmt.Sprintf("k%d", i)); ok {
					got = append(got, fmt.Sprintf("k%d", i))
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.wantKeys) || c.Len() != len(tt.wantKeys) {
				t.Fatalf("kept %v (len %d), want %v", got, c.Len(), tt.wantKeys)
			}
			c.Set("k0", []byte("y"))
			c.Delete("k0")
			if _, ok := c.Get("k0"); ok {
				t.Fatal("deleted key still stored")
			}
		})
	}
}

func TestBlobSHA(t *testing.T) {
	// git hash-object of these contents.
	for content, want := range map[string]string{
		"":        "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391",
		"hello\n": "ce013625030ba8dba906f756967f9e9ca394464a",
	} {
		if got := BlobSHA([]byte(content)); got != want {
			t.Errorf("BlobSHA(%q) = %s, want %s", content, got, want)
		}
	}
}
