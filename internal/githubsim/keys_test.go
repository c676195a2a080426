package githubsim

import (
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
func testKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	keyOnce.Do(func() { key, keyErr = rsa.GenerateKey(rand.Reader, 2048) })
	if keyErr != nil {
		t.Fatalf("generate key: %v", keyErr)
	}
	return key
}
