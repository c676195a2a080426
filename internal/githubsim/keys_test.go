package githubsim

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"sync"
	"testing"
)

var (
	keyOnce sync.Once
	key     *rsa.PrivateKey
	keyErr  error
)

// testKey shares one App key across tests; generating RSA keys under -race is slow.
func testKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	keyOnce.Do(func() { key, keyErr = rsa.GenerateKey(rand.Reader, 2048) })
	if keyErr != nil {
		t.Fatalf("generate key: %v", keyErr)
	}
	return key
}

var (
	otherOnce sync.Once
	other     *rsa.PrivateKey
)

// otherKey is a second key that is not the App's.
func otherKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	otherOnce.Do(func() { other, _ = rsa.GenerateKey(rand.Reader, 2048) })
	return other
}

// bytesReader avoids importing bytes in every test file.
func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

// testKeyF is testKey for fuzz targets.
func testKeyF(f *testing.F) *rsa.PrivateKey { return testKey(f) }
