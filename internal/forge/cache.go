package forge

import (
	"sync"

	lru "github.com/hashicorp/golang-lru/v2"
)

// ResponseCache is a bounded in-memory httpcache.Cache: it keeps the most
// recently used responses, up to a number of entries and a number of bytes.
// Stored responses are revalidated with their ETag on every use, and GitHub
// does not count a 304 Not Modified against the rate limit.
type ResponseCache struct {
	lru *byteLRU[string]
}

// NewResponseCache returns a ResponseCache holding at most maxBytes of responses.
func NewResponseCache(maxBytes int64) *ResponseCache {
	return &ResponseCache{lru: newByteLRU[string](maxBytes)}
}

// Get returns the stored response for key.
func (c *ResponseCache) Get(key string) ([]byte, bool) { return c.lru.get(key) }

// Set stores a response under key, evicting the least recently used ones when full.
func (c *ResponseCache) Set(key string, resp []byte) { c.lru.add(key, resp) }

// Delete removes the response stored under key.
func (c *ResponseCache) Delete(key string) { c.lru.remove(key) }

// Len returns how many responses are stored.
func (c *ResponseCache) Len() int { return c.lru.len() }

// sizedLRU is an LRU bounded by the total size of its values, as size
// counts them, and by the number of entries.
type sizedLRU[K comparable, V any] struct {
	mu    sync.Mutex
	max   int64
	used  int64
	size  func(V) int64
	cache *lru.Cache[K, V]
}

// byteLRU is a sizedLRU of byte slices, sized by their length.
type byteLRU[K comparable] = sizedLRU[K, []byte]

// maxEntries bounds the entry count as well, so tiny values cannot grow the index unboundedly.
const maxEntries = 1 << 16

func newByteLRU[K comparable](maxBytes int64) *byteLRU[K] {
	return newSizedLRU[K](maxBytes, func(v []byte) int64 { return int64(len(v)) })
}

func newSizedLRU[K comparable, V any](maxBytes int64, size func(V) int64) *sizedLRU[K, V] {
	b := &sizedLRU[K, V]{max: maxBytes, size: size}
	c, err := lru.NewWithEvict[K, V](maxEntries, func(_ K, v V) { b.used -= b.size(v) })
	if err != nil {
		// Only a non-positive size makes NewWithEvict fail, and maxEntries is positive.
		panic(err)
	}
	b.cache = c
	return b
}

func (b *sizedLRU[K, V]) get(k K) (V, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.cache.Get(k)
}

func (b *sizedLRU[K, V]) add(k K, v V) {
	n := b.size(v)
	if n > b.max {
		b.remove(k)
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	// Remove first: Add on an existing key replaces the value without the
	// eviction callback, which would leave used counting the old value.
	b.cache.Remove(k)
	b.cache.Add(k, v)
	b.used += n
	for b.used > b.max {
		if _, _, ok := b.cache.RemoveOldest(); !ok {
			break
		}
	}
}

func (b *sizedLRU[K, V]) remove(k K) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cache.Remove(k)
}

func (b *sizedLRU[K, V]) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.cache.Len()
}

// bytes returns the total size of the values held.
func (b *sizedLRU[K, V]) bytes() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}
